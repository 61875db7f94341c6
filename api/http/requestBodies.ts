import express, { type Request } from 'express';

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
