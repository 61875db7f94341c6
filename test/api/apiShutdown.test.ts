/**
 * An API asked to stop while requests still run: it lets them finish for its drain time, then
 * cuts them, so an upload still streaming in or a reader that stopped reading cannot hold the
 * process until the orchestrator kills it.
 */
import http from 'node:http';
import mongoose from 'mongoose';
import { startApiServer } from '../../api/server';
import { ImportModel } from '../../shared/data/importModel';
import { ADMIN_KEY, startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

const uploads = () => mongoose.connection.db!.collection('uploads.files');

describe('stopping the API', () => {
  test('When the API is stopped while an upload is still streaming in, then it stops once its drain time is over, cuts the upload, and imports nothing of it', async () => {
    const server = await startApiServer(service.runtime, 0, { drainMs: 500 });
    const importsBefore = await ImportModel.countDocuments();
    const boundary = 'shutdown';
    const request = http.request(`http://127.0.0.1:${server.port}/api/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    const cut = new Promise<string>((resolve) => {
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      request.on('response', (response) => resolve(`answered ${response.statusCode}`));
    });
    // The first part of the file, then nothing: the upload is still on its way.
    request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.csv"\r\nContent-Type: text/csv\r\n\r\nEmail,Username\r\nslow@example.com,slow\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const started = Date.now();
    await server.close();
    const tookMs = Date.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(400);
    expect(tookMs).toBeLessThan(5_000);
    expect(await cut).toMatch(/ECONNRESET|socket hang up/);
    expect(await ImportModel.countDocuments()).toBe(importsBefore);
    // Its bytes are not kept as a complete upload.
    expect(await uploads().countDocuments({ filename: 'slow.csv', length: { $gt: 0 }, uploadDate: { $exists: true } })).toBe(0);
  });

  test('When the API is stopped with no request running, then it stops at once', async () => {
    const server = await startApiServer(service.runtime, 0, { drainMs: 5_000 });
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
