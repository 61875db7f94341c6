import { Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportUsersCsv } from '../../shared/directory/userExport';
import { WORKBOOK_CONTENT_TYPE, exportUsersWorkbook } from '../../shared/directory/userWorkbookExport';
import { requireRole } from '../http/auth';
import { limitConcurrent } from '../http/concurrencyLimit';
import type { ApiConfig } from '../../shared/platform/config';

export function exportRoutes(config: Pick<ApiConfig, 'maxExportsPerKey'>): Router {
  const router = Router();
  const oneAtATime = limitConcurrent({ what: 'exports', perKey: config.maxExportsPerKey, retryAfterSeconds: 30 });
  router.get('/users/export.csv', requireRole('admin'), oneAtATime, async (_req, res) => {
    res.type('text/csv; charset=utf-8').attachment(`users-${now()}.csv`);
    // One batch of text waiting at a time: a slow reader holds a batch, not sixteen.
    await pipeline(Readable.from(exportUsersCsv(), { objectMode: true, highWaterMark: 1 }), res);
  });
  router.get('/users/export.xlsx', requireRole('admin'), oneAtATime, async (_req, res) => {
    res.type(WORKBOOK_CONTENT_TYPE).attachment(`users-${now()}.xlsx`);
    await pipeline(exportUsersWorkbook(), res);
  });
  return router;
}

/** `2026-12-07-204512` (UTC): every export of a day has a name of its own, and names sort by time. */
const now = () => new Date().toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '');
