import type { NextFunction, Request, Response } from 'express';
import { MulterError } from 'multer';
import { AppError, type ErrorKind } from '../../shared/platform/appError';
import { logger } from '../../shared/platform/logger';

/**
 * The one place that turns errors into HTTP: the product's own, and those the request readers
 * raise before any route runs (multer/busboy for uploads, body-parser for JSON and forms, the
 * router for percent-encoded paths). Every answer says what the caller should send instead.
 */
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
  too_many_requests: 429,
  unavailable: 503,
};

export const statusOf = (error: AppError): number => STATUS_BY_KIND[error.kind];

/** What body-parser (through http-errors) and the router put on the errors they raise. */
interface RequestReadingError {
  status?: number;
  type?: string;
  expose?: boolean;
  charset?: string;
  encoding?: string;
  limit?: number;
  message: string;
}

const SEND_CSV = 'The CSV goes in the multipart/form-data field "file" (e.g. curl -F file=@users.csv); let your HTTP client write the Content-Type header.';
const SEND_UTF8 = 'Send the body as UTF-8, with "charset=utf-8" or no charset in its Content-Type.';
/** Header values are echoed to help the caller spot a typo; quoted and cut so they stay harmless. */
const quoted = (value: unknown) => JSON.stringify(String(value ?? '').slice(0, 60));

const badUpload = (message: string, code = 'bad_upload') => new AppError('invalid_input', code, `${message} ${SEND_CSV}`);
const incompleteUpload = () =>
  badUpload('The upload ended before its last multipart part did: the body was cut off, or it does not use the boundary its Content-Type names. Send the whole file again.', 'upload_incomplete');

/** busboy (inside multer) reports a broken multipart body with plain Errors: their message is all it gives. */
const UPLOAD_PROBLEMS: Record<string, () => AppError> = {
  'Multipart: Boundary not found': () => badUpload('The upload\'s Content-Type "multipart/form-data" has no boundary, so its parts cannot be found.'),
  'Malformed content type': () => badUpload('The upload\'s Content-Type header could not be read.'),
  'Missing Content-Type': () => badUpload('The upload has no Content-Type header.'),
  'Malformed part header': () => badUpload('A part of the upload has malformed headers (each part needs a line like Content-Disposition: form-data; name="file"; filename="users.csv").'),
  'Unexpected end of form': incompleteUpload,
  'Unexpected end of file': incompleteUpload,
  // multer's own, when the connection drops mid-upload: nobody may be listening, but it is no server fault.
  'Request aborted': incompleteUpload,
  'Request closed': incompleteUpload,
};

/** body-parser's error types (express.json, express.urlencoded); see its README "Errors". */
const BODY_PROBLEMS: Record<string, (error: RequestReadingError) => AppError> = {
  'entity.parse.failed': () =>
    new AppError('invalid_input', 'malformed_body', 'The request body is not valid JSON. Send a JSON object with "Content-Type: application/json", e.g. {"name": "Marketing"}.'),
  'entity.verify.failed': () => new AppError('invalid_input', 'malformed_body', `The request body could not be read. ${SEND_UTF8}`),
  'querystring.parse.rangeError': () => new AppError('invalid_input', 'malformed_body', 'The form nests its fields too deeply. Send only the fields the form asks for.'),
  'request.aborted': () => new AppError('invalid_input', 'request_incomplete', 'The connection closed before the request body was complete. Send the request again.'),
  'request.size.invalid': () =>
    new AppError('invalid_input', 'request_incomplete', 'The request body is not as long as its Content-Length header says. Send the request again and let your HTTP client set Content-Length.'),
  'parameters.too.many': () => new AppError('payload_too_large', 'too_many_fields', 'The form has more fields than this page accepts. Send only the fields the form asks for.'),
  'entity.too.large': (error) =>
    new AppError(
      'payload_too_large',
      'body_too_large',
      `The request body is larger than the ${error.limit ?? 'allowed'} bytes this address accepts. Send a smaller body; CSV files go to POST /api/imports as an upload.`,
    ),
  'encoding.unsupported': (error) =>
    new AppError(
      'unsupported_media_type',
      'unsupported_content_encoding',
      `The Content-Encoding ${quoted(error.encoding)} is not supported. Send the body uncompressed, or compressed with gzip, deflate or br.`,
    ),
  'charset.unsupported': (error) => new AppError('unsupported_media_type', 'unsupported_charset', `The charset ${quoted(error.charset)} is not supported. ${SEND_UTF8}`),
  // 'stream.encoding.set' and 'stream.not.readable' mean our code read the body twice: a server
  // fault, left to the logged 500 below.
};

export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') {
      return new AppError('payload_too_large', 'file_too_large', 'The file is larger than this server accepts (MAX_UPLOAD_MB). Split it into several files.');
    }
    return badUpload(`The upload could not be read (${error.message}).`);
  }
  if (!(error instanceof Error)) return undefined;
  const reading = error as RequestReadingError;
  // The router raises this for a path segment that is not valid percent-encoding (e.g. "%zz").
  if (error instanceof URIError && reading.status === 400) {
    const segment = /'(.*)'$/.exec(error.message)?.[1] ?? '';
    return new AppError(
      'invalid_input',
      'bad_path',
      `The address is not valid: ${quoted(segment)} is not correctly percent-encoded. Write "%" as %25 and other special characters as UTF-8 percent-escapes (e.g. a space as %20).`,
    );
  }
  if (reading.type && Object.hasOwn(BODY_PROBLEMS, reading.type)) return BODY_PROBLEMS[reading.type](reading);
  if (typeof reading.expose === 'boolean' && reading.status && reading.status < 500) return otherRequestProblem(reading);
  if (reading.status === undefined && Object.hasOwn(UPLOAD_PROBLEMS, error.message)) return UPLOAD_PROBLEMS[error.message]();
  return undefined;
}

/** An http-errors 4xx without a type we know: body-parser wraps a corrupt compressed body so. */
function otherRequestProblem(error: RequestReadingError): AppError {
  if (error.status === 413) return BODY_PROBLEMS['entity.too.large'](error);
  if (error.status === 415) return new AppError('unsupported_media_type', 'unsupported_media_type', `The request body's type or encoding is not supported. ${SEND_UTF8}`);
  if (error.status === 400) {
    return new AppError(
      'invalid_input',
      'unreadable_body',
      'The request body could not be read: its bytes do not match its Content-Encoding (corrupt or cut-off compressed data). Send it again, uncompressed or compressed whole.',
    );
  }
  // http-errors marks 4xx messages as safe to show (`expose`).
  return new AppError('invalid_input', 'bad_request', `The request could not be read (${error.message}). Check it against /api/openapi.json.`);
}

function clientHungUp(error: unknown, req: Request): boolean {
  return (error as { code?: string } | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE' && req.socket.destroyed;
}

export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) {
    // A streamed download (an export, errors.csv) failed part-way: the status line is gone, so
    // the only honest answer left is to cut the connection, which the client sees as a failed
    // download, not as a complete but truncated file. A reader that hung up (a closed tab, a slow
    // client giving up) is no failure of ours: twenty of them are not twenty errors in the log.
    if (clientHungUp(error, req)) logger.info({ method: req.method, path: req.path }, 'the client hung up before a streamed answer ended');
    else logger.error({ err: error, method: req.method, path: req.path }, 'a streamed answer failed part-way');
    res.destroy();
    return;
  }
  const appError = toAppError(error);
  if (!appError) {
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong on our side. Try again; if it persists, contact support.' } });
    return;
  }
  const body: { code: string; message: string; details?: unknown } = { code: appError.code, message: appError.message };
  if (appError.details !== undefined) body.details = appError.details;
  if (appError.retryAfterSeconds !== undefined) res.set('Retry-After', String(appError.retryAfterSeconds));
  res.status(statusOf(appError)).json({ error: body });
}

export function routeNotFound(req: Request): never {
  // originalUrl: inside the /api router, req.path has lost its /api prefix.
  const path = req.originalUrl.split('?')[0];
  throw new AppError('not_found', 'route_not_found', `There is no ${req.method} ${path}. See /api/openapi.json.`);
}
