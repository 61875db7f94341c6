import { Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportUsersCsv } from '../../shared/directory/userExport';
import { requireRole } from '../http/auth';

export function exportRoutes(): Router {
  const router = Router();
  router.get('/users/export.csv', requireRole('admin'), async (_req, res) => {
    const stamp = new Date().toISOString().slice(0, 10);
    res.type('text/csv; charset=utf-8').attachment(`users-${stamp}.csv`);
    await pipeline(Readable.from(exportUsersCsv()), res);
  });
  return router;
}
