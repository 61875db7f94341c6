import { Router } from 'express';
import { resendInvitation } from '../../shared/invitations/resendInvitation';
import type { ApiRuntime } from '../../shared/platform/runtime';
import { enqueueInvitationsOn } from '../../shared/queues/queues';
import { requireRole } from '../http/auth';

export function inviteRoutes(runtime: ApiRuntime): Router {
  const router = Router();
  const enqueueInvitations = enqueueInvitationsOn(runtime.invitationQueue);
  router.post('/users/:id/invite', requireRole('admin'), async (req, res) => {
    res.status(202).json(await resendInvitation(req.params.id as string, enqueueInvitations));
  });
  return router;
}
