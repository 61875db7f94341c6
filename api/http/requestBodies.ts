import express, { type Request } from 'express';
import { AppError } from '../../shared/platform/appError';

/**
 * express.json accepting UTF-8 only, as RFC 8259 §8.1 asks of JSON between systems. body-parser
 * alone decodes any "utf-*" charset, UTF-7 included, where "+AGI-" reads as "b": a body that
 * looks harmless as bytes could become something else once decoded. The refusal carries
 * body-parser's own error type, so errorHandler answers it like any unsupported charset.
 */
export function jsonBody(limit: string) {
  return express.json({ limit, verify: refuseCharsetsOtherThanUtf8 });
}

function refuseCharsetsOtherThanUtf8(_req: Request, _res: unknown, _body: Buffer, charset: string): void {
  if (charset === 'utf-8' || charset === 'utf8') return;
  throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), { status: 415, type: 'charset.unsupported', charset });
}

/**
 * Refuses a body the API would not read: JSON routes read only application/json, so a body sent
 * as form data (`curl -d` without a Content-Type) or text would be dropped without a word, and
 * a retry asking for `{"only":"failed"}` would re-run the whole file. Multipart passes on to
 * the upload route, which checks it itself.
 */
export function onlyJsonBodies(req: Request, _res: unknown, next: () => void): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is('application/json') || req.is('multipart/*')) return next();
  throw new AppError(
    'unsupported_media_type',
    'not_json',
    `The body is sent as ${JSON.stringify(String(req.headers['content-type'] ?? 'no Content-Type').slice(0, 60))}, which this API does not read. Send it as JSON with "Content-Type: application/json" (curl: -H 'Content-Type: application/json' -d '{"only":"failed"}').`,
  );
}
