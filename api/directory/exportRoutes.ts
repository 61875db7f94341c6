import { Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportUsersCsv } from '../../shared/directory/userExport';
import { WORKBOOK_CONTENT_TYPE, exportUsersWorkbook } from '../../shared/directory/userWorkbookExport';
import { requireRole } from '../http/auth';

export function exportRoutes(): Router {
  const router = Router();
  router.get('/users/export.csv', requireRole('admin'), async (_req, res) => {
    res.type('text/csv; charset=utf-8').attachment(`users-${today()}.csv`);
    await pipeline(Readable.from(exportUsersCsv()), res);
  });
  router.get('/users/export.xlsx', requireRole('admin'), async (_req, res) => {
    res.type(WORKBOOK_CONTENT_TYPE).attachment(`users-${today()}.xlsx`);
    await pipeline(exportUsersWorkbook(), res);
  });
  return router;
}

const today = () => new Date().toISOString().slice(0, 10);
