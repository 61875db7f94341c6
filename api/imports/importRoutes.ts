import { Router, type Request, type RequestHandler } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multer from 'multer';
import { AppError, invalidInput } from '../../shared/platform/appError';
import { errorReportCsv, errorReportWorkbook } from '../../shared/imports/errorReport';
import { WORKBOOK_CONTENT_TYPE } from '../../shared/workbook/workbookWriter';
import { changesCsv, listImportChanges } from '../../shared/imports/importChanges';
import { cancelImport, getImport, importReport, listImports, retryImport, runDryRunForReal } from '../../shared/imports/importActions';
import { startImport, type UploadedFile } from '../../shared/imports/startImport';
import { retryWithCorrections } from '../../shared/imports/correctFailedRows';
import type { ApiRuntime } from '../../shared/process/runtime';
import { enqueueImportOn, inspectQueuedImportOn } from '../../shared/queues/queues';
import { requireRole } from '../http/auth';
import { limitConcurrent } from '../http/concurrencyLimit';
import { HEAD_BYTES, gridfsUploadStorage, type StoredUpload } from './gridfsUploadStorage';

export function importRoutes(runtime: ApiRuntime): Router {
  const router = Router();
  const upload = multer({
    storage: gridfsUploadStorage(),
    limits: { fileSize: runtime.config.maxUploadBytes, files: 1, fields: 20, fieldSize: 1024 },
  });
  const enqueueImport = enqueueImportOn(runtime.importQueue, runtime.deploymentId);
  const queueFacts = { inspectQueuedImport: inspectQueuedImportOn(runtime.importQueue), queuePrefix: runtime.config.queuePrefix };

  const uploadsAtOnce = limitConcurrent({ what: 'uploads', perKey: runtime.config.maxUploadsPerKey, retryAfterSeconds: 5 });

  router.post('/imports', requireRole('admin'), requireMultipart, uploadsAtOnce, upload.single('file'), async (req, res) => {
    const file = uploadedFile(req, 'Attach the CSV file or Excel workbook (.xlsx) as the multipart field "file".');
    const view = await startImport(file, req.body ?? {}, req.apiRole ?? 'admin', enqueueImport);
    res.status(202).location(`/api/imports/${view.id}`).json(view);
  });

  router.get('/imports', requireRole('support'), async (req, res) => {
    res.json(await listImports(req.query));
  });

  router.get('/imports/:id', requireRole('support'), async (req, res) => {
    res.json(await importReport(req.params.id as string, queueFacts));
  });

  router.get('/imports/:id/errors.csv', requireRole('support'), async (req, res) => {
    const job = await getImport(req.params.id as string);
    // Before the CSV headers: a deleted upload is answered as a JSON error, not a broken download.
    const report = errorReportCsv(job);
    res.type('text/csv; charset=utf-8').attachment(`${baseName(job.fileName)}-errors.csv`);
    await pipeline(Readable.from(report), res);
  });

  router.get('/imports/:id/errors.xlsx', requireRole('support'), async (req, res) => {
    const job = await getImport(req.params.id as string);
    const report = errorReportWorkbook(job);
    res.type(WORKBOOK_CONTENT_TYPE).attachment(`${baseName(job.fileName)}-errors.xlsx`);
    await pipeline(report, res);
  });

  router.get('/imports/:id/changes', requireRole('support'), async (req, res) => {
    res.json(await listImportChanges(req.params.id as string, req.query));
  });

  router.get('/imports/:id/changes.csv', requireRole('support'), async (req, res) => {
    const { job, lines } = await changesCsv(req.params.id as string);
    res.type('text/csv; charset=utf-8').attachment(`${baseName(job.fileName)}-changes.csv`);
    await pipeline(Readable.from(lines), res);
  });

  router.post('/imports/:id/run', requireRole('admin'), async (req, res) => {
    const view = await runDryRunForReal(req.params.id as string, req.apiRole ?? 'admin', enqueueImport);
    res.status(202).location(`/api/imports/${view.id}`).json(view);
  });

  // JSON (or no body): run the stored file again. Multipart: the failed rows file, corrected.
  router.post('/imports/:id/retry', requireRole('support'), onlyIfMultipart(uploadsAtOnce, upload.single('file')), async (req, res) => {
    const id = req.params.id as string;
    const role = req.apiRole ?? 'support';
    const view = req.is('multipart/form-data')
      ? await retryWithCorrections(id, uploadedFile(req, 'Attach the corrected failed rows file (CSV or .xlsx) as the multipart field "file".'), req.body ?? {}, role, enqueueImport)
      : await retryImport(id, req.body, { role, name: role }, enqueueImport);
    res.status(202).location(`/api/imports/${view.id}`).json(view);
  });

  router.post('/imports/:id/cancel', requireRole('support'), async (req, res) => {
    res.json(await cancelImport(req.params.id as string));
  });

  return router;
}

/** The file multer streamed into GridFS, as the use cases take an upload. */
function uploadedFile(req: Request, missing: string): UploadedFile {
  if (!req.file) throw invalidInput('missing_file', missing);
  const stored = req.file as unknown as StoredUpload & Express.Multer.File;
  return { fileId: stored.fileId, fileName: stored.originalname, size: stored.size, head: stored.head, headIsWholeFile: stored.size <= HEAD_BYTES };
}

function onlyIfMultipart(limit: RequestHandler, readUpload: RequestHandler): RequestHandler {
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    limit(req, res, (error?: unknown) => (error ? next(error) : readUpload(req, res, next)));
  };
}

function requireMultipart(req: Request, _res: unknown, next: () => void): void {
  if (!req.is('multipart/form-data')) {
    throw new AppError('unsupported_media_type', 'not_multipart', 'Upload the CSV as multipart/form-data with the file in the field "file".');
  }
  next();
}

function baseName(fileName: string): string {
  return fileName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'import';
}
