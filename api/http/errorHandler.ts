import type { NextFunction, Request, Response } from 'express';
import { MulterError } from 'multer';
import { AppError, type ErrorKind } from '../../shared/errors/appError';
import { logger } from '../../shared/observability/logger';

/** The one place that turns the product's errors into HTTP. */
const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  unavailable: 503,
};

export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') {
      return new AppError('payload_too_large', 'file_too_large', 'The file is larger than this server accepts (MAX_UPLOAD_MB). Split it into several files.');
    }
    return new AppError('invalid_input', 'bad_upload', `The upload could not be read (${error.message}). Send the CSV as the multipart field "file".`);
  }
  // body-parser errors carry an HTTP status and a `type` (e.g. entity.parse.failed).
  const status = (error as { status?: number; type?: string }).status;
  if (status === 400) return new AppError('invalid_input', 'malformed_body', 'The request body is not valid JSON.');
  if (status === 413) return new AppError('payload_too_large', 'body_too_large', 'The request body is too large.');
  return undefined;
}

export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const appError = toAppError(error);
  if (!appError) {
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong on our side. Try again; if it persists, contact support.' } });
    return;
  }
  const status = STATUS_BY_KIND[appError.kind];
  const body: { code: string; message: string; details?: unknown } = { code: appError.code, message: appError.message };
  if (appError.details !== undefined) body.details = appError.details;
  res.status(status).json({ error: body });
}

export function routeNotFound(req: Request): never {
  throw new AppError('not_found', 'route_not_found', `There is no ${req.method} ${req.path}. See /api/openapi.json.`);
}
