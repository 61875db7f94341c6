import { Router } from 'express';
import { resendInvitation } from '../../shared/invitations/resendInvitation';
import type { ApiRuntime } from '../../shared/process/runtime';
import { enqueueInvitationsOn } from '../../shared/queues/queues';
import { requireRole } from '../http/auth';

export function inviteRoutes(runtime: ApiRuntime): Router {
  const router = Router();
  const enqueueInvitations = enqueueInvitationsOn(runtime.invitationQueue, runtime.deploymentId);
  // The user by id, username or e-mail address, as a person knows them.
  router.post('/users/:user/invite', requireRole('admin'), async (req, res) => {
    res.status(202).json(await resendInvitation(req.params.user as string, enqueueInvitations));
  });
  return router;
}
