import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import mongoose from 'mongoose';
import { toAppError } from '../../api/http/errorHandler';
import { ADMIN_KEY, startTestService, type TestService } from '../support/testService';

/**
 * Requests that are broken before any route sees them (multipart, JSON, form bodies, paths):
 * each gets a 4xx that says what to send, never a 500, and the service keeps answering.
 * Bodies go through node:http as raw bytes: supertest would re-serialise a Buffer sent as JSON.
 */
let service: TestService;
let server: http.Server;
beforeAll(async () => {
  service = await startTestService();
  server = service.app.listen(0);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await service.stop();
});

interface RawAnswer {
  status: number;
  type: string;
  text: string;
  body: { error?: { code?: string; message?: string } };
}

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawAnswer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers } }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        const type = String(response.headers['content-type'] ?? '');
        resolve({ status: response.statusCode ?? 0, type, text, body: type.includes('json') ? JSON.parse(text) : {} });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

const INTERNALS = /node_modules|\/work\/|[\w-]+\.(ts|js):\d+|\n\s+at /;

function expectRefusal(answer: RawAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status, code });
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(answer.body.error?.message).toEqual(expect.stringMatching(/\w+ \w+/));
  expect(answer.text).not.toMatch(INTERNALS);
}

async function expectStillAnswering(): Promise<void> {
  expect((await service.asAdmin().get('/api/me')).status).toBe(200);
}

async function expectNothingQueued(): Promise<void> {
  expect((await service.asAdmin().get('/api/imports')).body.items).toEqual([]);
  const counts = await service.runtime.importQueue.getJobCounts();
  expect(Object.values(counts).every((count) => count === 0)).toBe(true);
  // A refused upload leaves no stored bytes behind either.
  const db = mongoose.connection.db!;
  expect(await db.collection('uploads.files').countDocuments()).toBe(0);
  expect(await db.collection('uploads.chunks').countDocuments()).toBe(0);
}

const BOUNDARY = 'csv-import-boundary';
const CSV_PART = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="users.csv"\r\nContent-Type: text/csv\r\n\r\nEmail,Username\r\nann@example.com,ann\r\n--${BOUNDARY}--\r\n`;
const upload = (contentType: string, body: string) => send('POST', '/api/imports', { 'content-type': contentType }, Buffer.from(body, 'utf8'));

describe('a CSV upload whose multipart body is broken', () => {
  test.each([
    ['the Content-Type has no boundary', 'multipart/form-data', CSV_PART, 'bad_upload', /no boundary/],
    ['the body does not use the boundary its Content-Type names', 'multipart/form-data; boundary=garbage-not-in-body', CSV_PART, 'upload_incomplete', /boundary/],
    ['the body is cut off before its closing boundary (busboy "Unexpected end of form")', `multipart/form-data; boundary=${BOUNDARY}`, CSV_PART.slice(0, -30), 'upload_incomplete', /cut off/],
    [
      'a part has malformed headers',
      `multipart/form-data; boundary=${BOUNDARY}`,
      `--${BOUNDARY}\r\nContent-Disposition form-data name file\r\n\r\nEmail\r\n--${BOUNDARY}--\r\n`,
      'bad_upload',
      /malformed headers/,
    ],
    ['the boundary is empty', 'multipart/form-data; boundary=', CSV_PART, 'missing_file', /field "file"/],
  ])('When %s, then it is a 400 that says to send the CSV as the field "file", and nothing is queued', async (_case, contentType, body, code, hint) => {
    const answer = await upload(contentType, body);
    expectRefusal(answer, 400, code);
    expect(answer.body.error?.message).toMatch(hint);
    expect(answer.body.error?.message).toContain('"file"');
    await expectNothingQueued();
    await expectStillAnswering();
  });
});

describe('a JSON body the service cannot read', () => {
  const json = (path: string, headers: Record<string, string>, body: Buffer | string) => send('POST', path, { 'content-type': 'application/json', ...headers }, body);

  test.each([
    ['utf-7', '/api/custom-fields', '{"key":"jobtitle","label":"Job title"}'],
    ['iso-8859-1', '/api/groups', '{"name":"Marketing"}'],
    ['utf-16', '/api/groups', '{"name":"Marketing"}'],
  ])('When it declares charset=%s, then it is a 415 that asks for UTF-8', async (charset, path, body) => {
    const answer = await json(path, { 'content-type': `application/json; charset=${charset}` }, body);
    expectRefusal(answer, 415, 'unsupported_charset');
    expect(answer.body.error?.message).toContain(`"${charset}"`);
    expect(answer.body.error?.message).toContain('UTF-8');
    await expectStillAnswering();
  });

  test('When UTF-7 would decode "+AGI-" into a letter, then nothing is created from it', async () => {
    const answer = await json('/api/custom-fields', { 'content-type': 'application/json; charset=utf-7' }, '{"key":"a+AGI-c","label":"Smuggled"}');
    expect(answer.status).toBe(415);
    expect((await service.asAdmin().get('/api/custom-fields')).body.items).toEqual([]);
  });

  test('When it declares charset=utf-8, then it is read as before', async () => {
    const answer = await json('/api/groups', { 'content-type': 'application/json; charset=utf-8' }, '{"name":"Charset UTF-8"}');
    expect(answer.status).toBe(201);
  });

  test.each(['x-garbage', 'compress'])('When its Content-Encoding is %s, then it is a 415 naming the encodings that work', async (encoding) => {
    const answer = await json('/api/groups', { 'content-encoding': encoding }, '{"name":"Marketing"}');
    expectRefusal(answer, 415, 'unsupported_content_encoding');
    expect(answer.body.error?.message).toContain(`"${encoding}"`);
    expect(answer.body.error?.message).toMatch(/gzip, deflate or br/);
    await expectStillAnswering();
  });

  test.each([
    ['gzip', 'not gzip at all'],
    ['gzip', gzipSync('{"name":"Cut off"}').subarray(0, 12)],
    ['br', '{"name":"plain text called br"}'],
  ])('When its Content-Encoding is %s but the bytes are not, then it is a 400 that says the compressed data is corrupt', async (encoding, body) => {
    const answer = await json('/api/groups', { 'content-encoding': encoding }, body);
    expectRefusal(answer, 400, 'unreadable_body');
    expect(answer.body.error?.message).toMatch(/Content-Encoding/);
    await expectStillAnswering();
  });

  test.each([
    ['gzip', gzipSync('{"name":"Gzipped"}')],
    ['br', brotliCompressSync('{"name":"Brotli"}')],
  ])('When it is correctly compressed with %s, then it is accepted', async (encoding, body) => {
    expect((await json('/api/groups', { 'content-encoding': encoding }, body)).status).toBe(201);
  });

  test('When it is not JSON, then it is a 400 that shows what JSON to send', async () => {
    const answer = await json('/api/groups', {}, '{"name":');
    expectRefusal(answer, 400, 'malformed_body');
    expect(answer.body.error?.message).toContain('{"name": "Marketing"}');
  });

  test('When it is larger than the API takes, then it is a 413 that gives the limit', async () => {
    const answer = await json('/api/groups', {}, JSON.stringify({ name: 'x'.repeat(200_000) }));
    expectRefusal(answer, 413, 'body_too_large');
    expect(answer.body.error?.message).toContain('102400 bytes');
  });
});

describe('the invitation page form, posted in a form the service cannot read', () => {
  const form = (headers: Record<string, string>, body: string) =>
    send('POST', '/invite/not-a-real-token', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-7', ...headers }, body);

  test('When a browser posts it with charset=utf-7, then the page answers 415 as HTML with the problem shown above the form', async () => {
    const answer = await form({ accept: 'text/html' }, 'password=A-good-password-1');
    expect(answer.status).toBe(415);
    expect(answer.type).toMatch(/^text\/html/);
    expect(answer.text).toMatch(/<p class="problem" role="alert">The charset &quot;utf-7&quot; is not supported\./);
    expect(answer.text).toContain('<form method="post" action="/invite/not-a-real-token">');
    expect(answer.text).not.toMatch(INTERNALS);
    await expectStillAnswering();
  });

  test('When an API client posts it with charset=utf-7, then the answer is the JSON 415', async () => {
    expectRefusal(await form({ accept: 'application/json' }, 'password=A-good-password-1'), 415, 'unsupported_charset');
  });

  test('When the form has more fields than the page takes, then it is a 413 page that says to send only its fields', async () => {
    const fields = Array.from({ length: 1100 }, () => 'f').join('&');
    const answer = await form({ 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, fields);
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('Send only the fields the form asks for.');
  });
});

describe('an address that is not valid percent-encoding', () => {
  test.each(['/api/imports/%E0%A4%A', '/api/imports/%zz'])('When %s is requested, then it is a 400 bad_path, not a JSON body error', async (path) => {
    const answer = await send('GET', path, {});
    expectRefusal(answer, 400, 'bad_path');
    expect(answer.body.error?.message).toMatch(/^The address is not valid: ".+" is not correctly percent-encoded\. Write "%" as %25/);
    await expectStillAnswering();
  });

  test('When an invitation link is mangled that way, then the browser gets the invitation page saying so', async () => {
    const answer = await send('GET', '/invite/%zz', { accept: 'text/html' });
    expect(answer.status).toBe(400);
    expect(answer.type).toMatch(/^text\/html/);
    expect(answer.text).toContain('The address is not valid: &quot;%zz&quot;');
  });
});

describe('the one error mapping, for every body-parser error type', () => {
  const parserError = (status: number, type: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error('from body-parser'), { status, statusCode: status, expose: status < 500, type, ...extra });

  test.each([
    ['entity.parse.failed', 400, 'invalid_input', 'malformed_body'],
    ['entity.verify.failed', 403, 'invalid_input', 'malformed_body'],
    ['request.aborted', 400, 'invalid_input', 'request_incomplete'],
    ['request.size.invalid', 400, 'invalid_input', 'request_incomplete'],
    ['parameters.too.many', 413, 'payload_too_large', 'too_many_fields'],
    ['querystring.parse.rangeError', 400, 'invalid_input', 'malformed_body'],
    ['entity.too.large', 413, 'payload_too_large', 'body_too_large'],
    ['encoding.unsupported', 415, 'unsupported_media_type', 'unsupported_content_encoding'],
    ['charset.unsupported', 415, 'unsupported_media_type', 'unsupported_charset'],
  ])('When body-parser reports %s (%d), then it becomes %s %s', (type, status, kind, code) => {
    const mapped = toAppError(parserError(status, type, { limit: 4096, charset: 'utf-7', encoding: 'x-garbage' }));
    expect({ kind: mapped?.kind, code: mapped?.code }).toEqual({ kind, code });
    expect(mapped?.message).not.toContain('from body-parser');
  });

  test('When body-parser reports that the body stream was already read, then it stays an unmapped server fault (a logged 500)', () => {
    expect(toAppError(parserError(500, 'stream.encoding.set'))).toBeUndefined();
    expect(toAppError(parserError(500, 'stream.not.readable'))).toBeUndefined();
  });
});
