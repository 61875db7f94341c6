/**
 * An API that protects itself (issue 20): exports held open by slow readers and uploads streaming
 * in are limited per key, and what is over the limit is refused with 429 and Retry-After, never
 * a crash or a dropped connection; a reader that hangs up frees its place at once.
 */
import http from 'node:http';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { startApiServer, type ApiServer } from '../../api/server';
import { UserModel } from '../../shared/data/userModel';
import { addLogDestination, logger, setLogLevel } from '../../shared/platform/logger';
import { ADMIN_KEY, startTestService, type TestService } from '../support/testService';

const logLines: string[] = [];
addLogDestination(new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } }));
let service: TestService;
let server: ApiServer;
beforeAll(async () => {
  service = await startTestService({ MAX_EXPORTS_PER_KEY: '1', MAX_UPLOADS_PER_KEY: '1' });
  server = await startApiServer(service.runtime, 0);
  // Enough users that the export is still being written when its reader stops reading.
  await UserModel.insertMany(Array.from({ length: 20_000 }, (_, i) => ({ username: `load${i}`, usernameKey: `load${i}`, email: `load${i}@example.com`, roles: ['Learner'] })));
}, 60_000);
afterAll(async () => {
  await server.close();
  await service.stop();
});

/** Requests to the listening server, where the stalled requests are: limits count per API process. */
const asAdmin = () => supertest.agent(server.server).set('Authorization', `Bearer ${ADMIN_KEY}`);

/** An export whose reader reads the head and then stops reading, as a slow client does. */
function stalledExport(): Promise<{ status: number; hangUp(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://127.0.0.1:${server.port}/api/users/export.csv`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }, (response) => {
      response.once('data', () => response.pause());
      resolve({
        status: response.statusCode ?? 0,
        hangUp: () => new Promise((done) => {
          request.once('close', () => setTimeout(done, 100));
          request.destroy();
        }),
      });
    });
    request.once('error', () => undefined);
    request.once('timeout', () => reject(new Error('no answer')));
  });
}

describe('limits per key', () => {
  test('When a key already has its exports running, then another is refused with 429, Retry-After and what to do; once a reader hangs up, its place is free', async () => {
    const first = await stalledExport();
    expect(first.status).toBe(200);

    const refused = await asAdmin().get('/api/users/export.csv');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.body.error).toMatchObject({ code: 'too_many_exports', message: expect.stringMatching(/already has 1 exports running, the most it may have at once\. Wait for one to finish/) });
    expect((await asAdmin().get('/api/users/export.xlsx')).status).toBe(429);
    // Everything else still answers.
    expect((await asAdmin().get('/api/imports')).status).toBe(200);

    logLines.length = 0;
    const level = logger.level;
    setLogLevel('info');
    try {
      await first.hangUp();
    } finally {
      setLogLevel(level);
    }
    // A reader that left is not an error of the API's.
    expect(logLines.join('')).toContain('the client hung up before a streamed answer ended');
    expect(logLines.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
    const next = await asAdmin().get('/api/users/export.csv');
    expect(next.status).toBe(200);
    expect(next.text.split('\n').length).toBeGreaterThan(20_000);
  });

  test('When a key already has an upload streaming in, then another upload, or corrected rows, are refused with 429 before their body is read', async () => {
    // An upload whose body is still on its way: the first part sent, the rest held back.
    const boundary = 'loadlimit';
    const request = http.request(`http://127.0.0.1:${server.port}/api/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    request.on('error', () => undefined);
    const answered = new Promise<number>((resolve) => request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }));
    request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.csv"\r\nContent-Type: text/csv\r\n\r\nEmail,Username\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const second = await asAdmin().post('/api/imports').attach('file', Buffer.from('Email\na@example.com\n'), 'second.csv');
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('5');
    expect(second.body.error.code).toBe('too_many_uploads');
    const corrections = await asAdmin().post('/api/imports/65a000000000000000000000/retry').attach('file', Buffer.from('Email,Error\na@example.com,Row 1: x\n'), 'fixed.csv');
    expect(corrections.status).toBe(429);
    // A retry that sends no file is not an upload: it is not counted.
    expect((await asAdmin().post('/api/imports/65a000000000000000000000/retry').send({ only: 'failed' })).status).toBe(404);

    request.end(`slow@example.com,slow\r\n--${boundary}--\r\n`);
    expect(await answered).toBe(202);
    expect((await asAdmin().post('/api/imports').attach('file', Buffer.from('Email\nthird@example.com\n'), 'third.csv')).status).toBe(202);
  });
});
