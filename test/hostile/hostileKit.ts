/**
 * Assertion helpers of the hostile-input suite. Every refusal is checked the same way: the
 * status, the `{error: {code, message}}` shape with a message a person can act on, nothing of
 * the server's insides in the body, nothing queued or kept for a refused upload, and the service
 * still answering afterwards.
 */
import mongoose from 'mongoose';
import Papa from 'papaparse';
import type { Response } from 'supertest';
import type { TestService } from '../support/testService';

/**
 * What a body must never show: a stack frame (a line starting with "at ", or "at fn (file:1:2)"),
 * a path of the machine ("/work/", node_modules) or a TypeScript source position (".ts:").
 * A bare "at " inside a sentence ("at most 128 characters") is fine: that is product wording.
 */
const LEAKS: Array<[string, RegExp]> = [
  ['a stack frame', /^\s*at \S/m],
  ['a stack frame', /\bat \S+ \(.*:\d+:\d+\)/],
  ['a server path', /\/work\//],
  ['a TypeScript source position', /\.ts:\d*/],
  ['a node_modules path', /node_modules/],
];

export function expectNoLeak(text: string | undefined): void {
  for (const [what, pattern] of LEAKS) {
    if (pattern.test(text ?? '')) throw new Error(`the body shows ${what} (${pattern}): ${(text ?? '').slice(0, 500)}`);
  }
}

export interface ExpectedRefusal {
  status: number;
  /** The product's code, or a pattern when the contract fixes only the family. */
  code?: string | RegExp;
  /** What the message must say (e.g. what to do). */
  hint?: RegExp;
  /** What the message must not say (e.g. "JSON" for a bad address). */
  notHint?: RegExp;
}

/** Status, `{error: {code, message, details?}}`, a message that says something, and no leak. */
export function expectRefusal(response: Response, expected: ExpectedRefusal): void {
  const summary = `${response.status} ${String(response.text ?? '').slice(0, 400)}`;
  expect({ status: response.status, summary }).toEqual({ status: expected.status, summary: expect.any(String) });
  expect(response.type).toBe('application/json');
  expect(response.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  expect(Object.keys(response.body).sort()).toEqual(['error']);
  const { code, message } = response.body.error as { code: string; message: string };
  expect(Object.keys(response.body.error).every((key) => ['code', 'message', 'details'].includes(key))).toBe(true);
  if (expected.code instanceof RegExp) expect(code).toMatch(expected.code);
  else if (expected.code) expect(code).toBe(expected.code);
  expect(code).not.toBe('internal_error');
  // A sentence, not a bare word: the admin has to learn what to do from it.
  expect(message.trim().length).toBeGreaterThan(15);
  if (expected.hint) expect(message).toMatch(expected.hint);
  if (expected.notHint) expect(message).not.toMatch(expected.notHint);
  expectNoLeak(response.text);
}

/** What a refused upload must not leave behind: jobs listed by the API, queue jobs, stored bytes. */
export interface QueueSnapshot {
  jobIds: string[];
  queueJobs: number;
  storedUploads: number;
}

export const NOTHING_QUEUED: QueueSnapshot = { jobIds: [], queueJobs: 0, storedUploads: 0 };

export async function queueSnapshot(service: TestService): Promise<QueueSnapshot> {
  const list = await service.asAdmin().get('/api/imports?limit=100');
  expect(list.status).toBe(200);
  const counts = await service.runtime.importQueue.getJobCounts();
  return {
    jobIds: (list.body.items as Array<{ id: string }>).map((item) => item.id).sort(),
    queueJobs: Object.values(counts).reduce((sum, count) => sum + count, 0),
    storedUploads: await mongoose.connection.db!.collection('uploads.files').countDocuments(),
  };
}

/**
 * Nothing was queued by the request: GET /api/imports lists no new job and the import queue holds
 * no new job (with the default baseline: lists no job at all, and getJobCounts sums to zero).
 * Stored upload bytes are checked too, since a refused upload holds plaintext passwords.
 */
export async function expectNothingQueued(service: TestService, before: QueueSnapshot = NOTHING_QUEUED): Promise<void> {
  expect(await queueSnapshot(service)).toEqual(before);
}

/** The service still answers: GET /api/me with the admin key → 200. */
export async function expectStillServing(service: TestService): Promise<void> {
  const me = await service.asAdmin().get('/api/me');
  expect(me.status).toBe(200);
  expect(me.body).toEqual({ role: 'admin' });
}

/** Everything a refused upload must satisfy. */
export async function expectRefusedUpload(service: TestService, response: Response, expected: ExpectedRefusal, before: QueueSnapshot = NOTHING_QUEUED) {
  expectRefusal(response, expected);
  await expectNothingQueued(service, before);
  await expectStillServing(service);
}

/** No prototype was polluted on the way (JSON bodies, multipart fields, CSV headers and cells). */
export function expectPrototypesClean(): void {
  const probe: Record<string, unknown> = {};
  for (const name of ['polluted', 'isAdmin', 'name', 'role']) expect(probe[name]).toBeUndefined();
  expect(Object.prototype).toEqual({});
}

// ---- import jobs and their reports ----

export interface JobView {
  id: string;
  status: string;
  counts: { total: number; processed: number; created: number; updated: number; unchanged: number; failed: number; invited: number };
  failureReason?: string;
}

/**
 * No row silently lost: every non-blank data row written is counted once, as created, updated,
 * unchanged or failed, and all of them were processed.
 */
export function expectEveryRowAccounted(job: JobView, dataRows: number): void {
  const { total, processed, created, updated, unchanged, failed } = job.counts;
  expect({ total, processed, accounted: created + updated + unchanged + failed }).toEqual({ total: dataRows, processed: dataRows, accounted: dataRows });
}

/** errors.csv as records: header first, then one record per failed row. */
export function parseReport(text: string): { header: string[]; rows: string[][] } {
  const records = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
  const [header = [], ...rows] = records;
  return { header, rows };
}

/** The Error cell errors.csv gives row `row`, or undefined when that row did not fail. */
export function reportedError(report: string, row: number): string | undefined {
  const { rows } = parseReport(report);
  return rows.map((record) => record[record.length - 1]).find((error) => error.startsWith(`Row ${row}:`));
}

/** The row numbers errors.csv lists, in order. */
export function reportedRows(report: string): number[] {
  return parseReport(report).rows.map((record) => Number(/^Row (\d+):/.exec(record[record.length - 1])?.[1]));
}

/** A cell Excel would run as a formula: = + - @ tab CR at its start. */
export const FORMULA_CELL = /^[=+\-@\t\r]/;

/** Every cell of a CSV document, header included. */
export function allCells(text: string): string[] {
  return Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data.flat();
}

// ---- raw HTTP bodies ----

export interface MultipartPart {
  name: string;
  /** Present for a file part; written into the header as given, so it can be hostile. */
  filename?: string;
  /** A raw Content-Disposition tail replacing the name/filename rendering, for crafted headers. */
  disposition?: string;
  contentType?: string;
  body: string | Buffer;
}

/** A multipart/form-data body written by hand, so that boundaries and headers can be wrong. */
export function multipartBody(boundary: string, parts: MultipartPart[], { close = true } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = part.disposition ?? `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    const headers = [`Content-Disposition: ${disposition}`];
    if (part.contentType ?? (part.filename !== undefined ? 'text/csv' : undefined)) headers.push(`Content-Type: ${part.contentType ?? 'text/csv'}`);
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'));
    chunks.push(Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** POSTs a hand-made body to /api/imports with the admin key and the given Content-Type. */
export function postRawUpload(service: TestService, contentType: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const request = service.asAdmin().post('/api/imports').set('Content-Type', contentType);
  for (const [name, value] of Object.entries(headers)) request.set(name, value);
  return request.send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
}

/** A CSV that is sure to pass the door check. */
export const GOOD_CSV = 'Email,Username\r\nhostile.door@example.com,hostile.door\r\n';

/** ASCII rows that push what follows past the first 64 KiB the door inspects. */
export function paddingRows(prefix: string, minBytes = 66 * 1024): string[] {
  const rows: string[] = [];
  let bytes = 0;
  for (let i = 1; bytes < minBytes; i++) {
    const row = `${prefix}${i}@example.com,${prefix}${i},Padding row number ${i} of the hostile suite`;
    rows.push(row);
    bytes += row.length + 1;
  }
  return rows;
}
