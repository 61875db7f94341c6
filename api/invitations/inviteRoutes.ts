import { Router } from 'express';
import { resendInvitation } from '../../shared/invitations/resendInvitation';
import type { Runtime } from '../../shared/platform/runtime';
import { requireRole } from '../http/auth';

export function inviteRoutes(runtime: Runtime): Router {
  const router = Router();
  router.post('/users/:id/invite', requireRole('admin'), async (req, res) => {
    res.status(202).json(await resendInvitation(req.params.id as string, runtime.invitationQueue));
  });
  return router;
}
