import mongoose from 'mongoose';
import { ImportModel } from '../../shared/data/importModel';
import { isFinalStatus } from '../../shared/rules/importStatuses';
import type { TestService } from './testService';

export interface UploadSettings {
  sendInvitations?: boolean;
  groupsMode?: 'add' | 'replace';
  rolesMode?: 'add' | 'replace';
  dryRun?: boolean;
}

const WORKBOOK_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** POSTs a CSV (text or raw bytes) as the admin page would: multipart, settings as text fields. */
export function uploadCsv(service: TestService, content: string | Buffer, settings: UploadSettings = {}, fileName = 'users.csv') {
  const request = service.asAdmin().post('/api/imports');
  for (const [name, value] of Object.entries(settings)) request.field(name, String(value));
  const contentType = fileName.endsWith('.xlsx') ? WORKBOOK_TYPE : 'text/csv';
  return request.attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), { filename: fileName, contentType });
}

/** POSTs an Excel workbook as the admin page would. */
export function uploadWorkbook(service: TestService, workbook: Buffer, settings: UploadSettings = {}, fileName = 'users.xlsx') {
  return uploadCsv(service, workbook, settings, fileName);
}

/** Uploads a workbook, expects the 202, and waits for the job to end. */
export async function importWorkbook(service: TestService, workbook: Buffer, settings: UploadSettings = {}) {
  const response = await uploadWorkbook(service, workbook, settings);
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${JSON.stringify(response.body)}`);
  return waitForImport(service, response.body.id);
}

/** A download's raw bytes (a workbook, a CSV). */
export async function downloadBytes(service: TestService, path: string): Promise<Buffer> {
  const response = await service.asAdmin().get(path).buffer(true).parse((res, done) => {
    const parts: Buffer[] = [];
    res.on('data', (part: Buffer) => parts.push(part));
    res.on('end', () => done(null, Buffer.concat(parts)));
  });
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${String(response.body)}`);
  return response.body as Buffer;
}


/** Polls the job like the admin page does, until it ends. */
export async function waitForImport(service: TestService, id: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await service.asAdmin().get(`/api/imports/${id}`);
    if (response.status !== 200) throw new Error(`GET /api/imports/${id} answered ${response.status}`);
    if (isFinalStatus(response.body.status)) return response.body;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${response.body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Uploads, expects the 202, and waits for the job to end. */
export async function importCsv(service: TestService, content: string | Buffer, settings: UploadSettings = {}) {
  const response = await uploadCsv(service, content, settings);
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${JSON.stringify(response.body)}`);
  return waitForImport(service, response.body.id);
}

export async function errorsCsv(service: TestService, id: string): Promise<string> {
  const response = await service.asAdmin().get(`/api/imports/${id}/errors.csv`).buffer(true).parse((res, done) => {
    const parts: Buffer[] = [];
    res.on('data', (part: Buffer) => parts.push(part));
    res.on('end', () => done(null, Buffer.concat(parts).toString('utf8')));
  });
  return response.body as string;
}

export async function exportCsv(service: TestService): Promise<Buffer> {
  const response = await service.asAdmin().get('/api/users/export.csv').buffer(true).parse((res, done) => {
    const parts: Buffer[] = [];
    res.on('data', (part: Buffer) => parts.push(part));
    res.on('end', () => done(null, Buffer.concat(parts)));
  });
  if (response.status !== 200) throw new Error(`export answered ${response.status}`);
  return response.body as Buffer;
}

export async function createGroups(service: TestService, ...names: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of names) {
    const response = await service.asAdmin().post('/api/groups').send({ name });
    ids[name] = response.body.id;
  }
  return ids;
}

/** A refused upload leaves nothing: no job, nothing on the import queue, no stored bytes. */
export async function expectNothingKept(service: TestService): Promise<void> {
  expect(await ImportModel.countDocuments()).toBe(0);
  const counts = await service.runtime.importQueue.getJobCounts();
  expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(0);
  expect(await mongoose.connection.db!.collection('uploads.files').countDocuments()).toBe(0);
  expect(await mongoose.connection.db!.collection('uploads.chunks').countDocuments()).toBe(0);
}
