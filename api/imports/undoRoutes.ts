import { Router } from 'express';
import { undoImport } from '../../shared/undo/undoImport';
import type { ApiRuntime } from '../../shared/process/runtime';
import { enqueueUndoOn } from '../../shared/queues/queues';
import { requireRole } from '../http/auth';

/** Taking an import back: admins only, as uploading one is. */
export function undoRoutes(runtime: ApiRuntime): Router {
  const router = Router();
  const enqueueUndo = enqueueUndoOn(runtime.importQueue, runtime.deploymentId);

  router.post('/imports/:id/undo', requireRole('admin'), async (req, res) => {
    const view = await undoImport(req.params.id as string, req.apiRole ?? 'admin', enqueueUndo);
    res.status(202).location(`/api/imports/${view.id}`).json(view);
  });

  return router;
}
