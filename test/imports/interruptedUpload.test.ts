import { once } from 'node:events';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';
import { freePort } from '../../scripts/embedded/embeddedRedis';
import { openUploadWriteStream } from '../../shared/data/uploadStore';
import { ImportModel } from '../../shared/data/importModel';
import { sweepUploads } from '../../shared/imports/uploadRetention';
import { importCsv } from '../support/importHelpers';
import { ADMIN_KEY, startTestService, type TestService } from '../support/testService';
import { exited, startServiceProcess, type ServiceProcess } from '../support/workerProcess';

const RETENTION = 30 * 24 * 3600 * 1000;

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
});
afterAll(() => service.stop());

const uploads = () => mongoose.connection.db!.collection('uploads.files');
const chunks = () => mongoose.connection.db!.collection('uploads.chunks');

/** `api/main.ts` as its own process on the test service's database, as production runs it. */
async function startApiProcess(): Promise<{ child: ServiceProcess; port: number; output: () => string }> {
  const port = await freePort();
  const child = startServiceProcess(service, 'api/main.ts', { API_KEYS: `admin:${ADMIN_KEY}`, PORT: String(port) });
  const output = () => child.output();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/healthz' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', () => resolve(0));
    });
    if (status === 200) return { child, port, output };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the API process did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Streams a 30 MB multipart upload and resolves once `stored` chunks are in GridFS, the rest unsent. */
async function uploadUntilChunksStored(port: number, stored: number): Promise<http.ClientRequest> {
  const boundary = 'cut-off-upload';
  const row = 'someone@example.com,someone,Marketing,A-Plaintext-Pass-1\r\n';
  const piece = Buffer.from(row.repeat(Math.floor(64 * 1024 / row.length)));
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/imports',
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': 30 * 1024 * 1024 },
  });
  request.on('error', () => undefined); // The API dies under it: that is the point.
  request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="users.csv"\r\nContent-Type: text/csv\r\n\r\nEmail,Username,User groups,Password\r\n`);
  for (let sent = 0; (await chunks().countDocuments()) < stored; ) {
    for (let i = 0; i < 8; i++, sent += piece.length) if (!request.write(piece)) await once(request, 'drain');
    if (sent > 25 * 1024 * 1024) throw new Error('the API stored no chunks of the upload');
  }
  return request;
}

describe('upload data that belongs to no import', () => {
  test('When the API is killed mid-upload, then its chunks stay for an hour and the sweep deletes them after', async () => {
    const api = await startApiProcess();
    const request = await uploadUntilChunksStored(api.port, 8);
    api.child.kill('SIGKILL');
    await exited(api.child);
    request.destroy();

    const leftOver = await chunks().countDocuments();
    expect(leftOver).toBeGreaterThanOrEqual(8);
    expect(await uploads().countDocuments()).toBe(0);
    expect(await ImportModel.countDocuments()).toBe(0);

    // An upload started moments ago may still be arriving: the default hour leaves it alone.
    expect(await sweepUploads({ retentionMs: RETENTION })).toEqual({ orphanFiles: 0, orphanChunkFiles: 0, expiredFiles: 0 });
    expect(await chunks().countDocuments()).toBe(leftOver);

    expect(await sweepUploads({ retentionMs: RETENTION, orphanAgeMs: 0 })).toEqual({ orphanFiles: 0, orphanChunkFiles: 1, expiredFiles: 0 });
    expect(await chunks().countDocuments()).toBe(0);
  }, 60_000);

  test('When a file was stored but its import never recorded, then the sweep deletes it after an hour and keeps the files of imports', async () => {
    const imported = await importCsv(service, 'Email,Username\nkept@example.com,kept\n');
    const importFile = (await ImportModel.findById(imported.id).orFail().lean()).fileId;
    // What the API leaves when it stops between storing the upload and recording the job.
    const upload = openUploadWriteStream('users.csv', 'text/csv');
    await pipeline(Readable.from([Buffer.from('Email,Username\nlost@example.com,lost\n')]), upload);

    expect(await sweepUploads({ retentionMs: RETENTION })).toMatchObject({ orphanFiles: 0 });
    expect(await uploads().countDocuments({ _id: upload.id })).toBe(1);

    expect(await sweepUploads({ retentionMs: RETENTION, orphanAgeMs: 0 })).toEqual({ orphanFiles: 1, orphanChunkFiles: 0, expiredFiles: 0 });
    expect(await uploads().countDocuments({ _id: upload.id })).toBe(0);
    expect(await chunks().countDocuments({ files_id: upload.id })).toBe(0);
    expect(await uploads().countDocuments({ _id: importFile })).toBe(1);
    expect(await chunks().countDocuments({ files_id: importFile })).toBe(1);
  });
});
