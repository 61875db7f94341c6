import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { UserModel } from '../../shared/data/userModel';
import { ImportModel } from '../../shared/data/importModel';
import { ImportRowErrorModel } from '../../shared/data/importRowErrorModel';
import { writeTextWorkbook } from '../../shared/workbook/workbookWriter';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { createGroups, errorsCsv, uploadCsv, uploadWorkbook, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { CRASH_ROWS } from './faultKit';
import { commandOn, startMongoProxy, type TcpProxy } from '../support/tcpProxy';
import { exited, startWorkerProcess, stopServiceProcesses, type ServiceProcess } from '../support/workerProcess';
import { userWorkbook } from '../support/workbookFiles';
import { readZipEntries, zipArchive } from '../support/zipWriter';

// Everything (API, invitation worker, import worker processes, assertions) reaches MongoDB through
// a proxy that can drop the connection carrying one chosen command. Imports run only in worker
// processes this file starts, so they can be SIGKILLed.
let smtp: SmtpCapture;
let proxy: TcpProxy;
let service: TestService;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  proxy = await startMongoProxy();
  service = await startTestService(
    {
      MONGO_URL: proxy.rewrite(process.env.MONGO_URL as string), SMTP_URL: smtp.url, IMPORT_CHUNK_SIZE: '100',
      WORKER_LOCK_SECONDS: '2', WORKER_QUEUES: 'invitations', INVITE_RATE_PER_SECOND: '1000',
    },
    { worker: true },
  );
  await createGroups(service, 'Marketing');
});
afterAll(async () => {
  proxy.allow();
  await stopServiceProcesses();
  await service.stop();
  await proxy.close();
  await smtp.stop();
});

function importWorker(): ServiceProcess {
  const url = new URL(proxy.rewrite(process.env.MONGO_URL as string));
  url.pathname = `/${service.dbName}`;
  return startWorkerProcess(service, { WORKER_QUEUES: 'imports', MONGO_URL: url.toString(), IMPORT_DB_RETRY_SECONDS: '60' });
}
/** One import worker for the tests that do not kill it (stopped with the rest in afterAll). */
let worker: ServiceProcess | undefined;
const sharedWorker = () => (worker ??= importWorker());

const HEADER = ['Username', 'Email', 'External ID', 'User groups'];
/** `rows` users named `<prefix><n>`; every 50th names a group that does not exist, so failures are counted too. */
let idBase = 0;
function userRows(prefix: string, rows: number): string[][] {
  const table = [HEADER];
  idBase += 100_000; // external IDs are unique across imports
  for (let i = 1; i <= rows; i++) table.push([`${prefix}${i}`, `${prefix}${i}@example.com`, String(idBase + i), i % 50 === 0 ? 'Nowhere' : 'Marketing']);
  return table;
}
const expectedCounts = (rows: number) => ({ total: rows, processed: rows, created: rows - Math.floor(rows / 50), updated: 0, unchanged: 0, failed: Math.floor(rows / 50) });

/** As Excel saves it: shared strings, the External ID typed as a number, and no element at all for an empty row. */
async function excelStyle(table: string[][]): Promise<Buffer> {
  const files = await readZipEntries(await userWorkbook(table, { numberColumns: [2] }));
  const sheet = 'xl/worksheets/sheet1.xml';
  files.set(sheet, Buffer.from(files.get(sheet)!.toString('utf8').replace(/<row [^>]*\/>/g, '')));
  return zipArchive(files);
}
/** As this product's export writes it: inline strings, every cell text. */
async function exportStyle(table: string[][]): Promise<Buffer> {
  const output = new PassThrough();
  const parts: Buffer[] = [];
  output.on('data', (part: Buffer) => parts.push(part));
  const ended = new Promise((resolve) => output.on('end', resolve));
  async function* batches() { for (let at = 1; at < table.length; at += 500) yield table.slice(at, at + 500); }
  await writeTextWorkbook(output, { sheetName: 'Users', header: table[0], batches: batches() });
  await ended;
  return Buffer.concat(parts);
}

/** The same table as a CSV, for the control cases. */
const csvStyle = async (table: string[][]) => Buffer.from(`${table.map((row) => row.join(',')).join('\n')}\n`);

async function upload(file: Buffer, settings = {}): Promise<string> {
  const isWorkbook = file.subarray(0, 2).toString('latin1') === 'PK';
  const response = await (isWorkbook ? uploadWorkbook(service, file, settings) : uploadCsv(service, file, settings));
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}
const view = async (id: string) => (await service.asSupport().get(`/api/imports/${id}`)).body;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const usersNamed = (prefix: string) => UserModel.countDocuments({ usernameKey: { $regex: `^${prefix}\\d` } });

describe('a workbook import whose worker is killed', () => {
  test('When the worker is SIGKILLed mid-import of a workbook and another takes over, then counts are exact, no user is written twice, rows before the checkpoint are not applied again, and each new user is invited once', async () => {
    const ROWS = CRASH_ROWS; // chunks of 100, as the CSV crash test; invitations (one mail each) set the pace
    const first = importWorker();
    const table = userRows('wbkill', ROWS);
    const id = await upload(await excelStyle(table), { sendInvitations: true });
    for (let job = await view(id); job.counts.processed < ROWS * 0.3; job = await view(id)) {
      if (!['queued', 'validating', 'running'].includes(job.status)) throw new Error('the import ended before the worker could be killed');
      await sleep(20);
    }
    first.kill('SIGKILL');
    await exited(first);
    const killedAt = new Date();
    const { checkpointRow } = (await ImportModel.findById(id).lean())!;
    expect(checkpointRow).toBeGreaterThanOrEqual(ROWS * 0.3);
    expect(checkpointRow).toBeLessThan(ROWS);

    const second = importWorker();
    try {
      const job = await waitForImport(service, id, 120_000);
      expect(job.status).toBe('completed_with_errors');
      expect(job.counts).toMatchObject(expectedCounts(ROWS));
      expect(await usersNamed('wbkill')).toBe(expectedCounts(ROWS).created);
      expect(await ImportRowErrorModel.countDocuments({ importId: new Types.ObjectId(id) })).toBe(ROWS / 50);
      // Rows up to the checkpoint were committed by the killed worker: the new one left them alone.
      const beforeCheckpoint = { 'lastImport.importId': new Types.ObjectId(id), 'lastImport.row': { $lte: checkpointRow } };
      expect(await UserModel.countDocuments(beforeCheckpoint)).toBe(checkpointRow! - Math.floor(checkpointRow! / 50));
      expect(await UserModel.countDocuments({ ...beforeCheckpoint, updatedAt: { $gte: killedAt } })).toBe(0);
      expect((await UserModel.findOne({ usernameKey: 'wbkill7' }).lean())?.externalId).toBe(table[7][2]);

      const deadline = Date.now() + 90_000;
      while ((await view(id)).counts.invited < expectedCounts(ROWS).created && Date.now() < deadline) await sleep(100);
      await sleep(500);
      expect((await view(id)).counts.invited).toBe(expectedCounts(ROWS).created);
      const recipients = smtp.mails.map((mail) => mail.envelopeTo[0]).filter((to) => to.startsWith('wbkill'));
      expect(new Set(recipients).size).toBe(expectedCounts(ROWS).created);
      expect(recipients).toHaveLength(expectedCounts(ROWS).created);
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
  }, 180_000);
});

/** A find on the stored bytes of one upload (`files_id: <ObjectId>`), not the sweep's range queries. */
const findChunks = commandOn('find', 'uploads.chunks');
const FILES_ID = Buffer.from('\x07files_id\x00', 'latin1');
const readsUpload = (data: Buffer) => findChunks(data) && data.includes(FILES_ID);

describe('a workbook import that loses MongoDB while reading its file', () => {
  const ROWS = CRASH_ROWS;
  const styleTag = (style: unknown) => (style === excelStyle ? 'x' : style === exportStyle ? 'e' : 'c');
  /** An unbroken run per file style, counting the reads of the upload's bytes: the door check's (before the 202), then the worker's two passes. */
  const baselines = new Map<unknown, ReturnType<typeof readBaseline>>();
  const baseline = (style: (table: string[][]) => Promise<Buffer>) => baselines.get(style) ?? baselines.set(style, readBaseline(`wbclean${styleTag(style)}`, style)).get(style)!;
  async function readBaseline(prefix: string, style: (table: string[][]) => Promise<Buffer>) {
    let reads = 0;
    void proxy.drop({ matches: (data) => (readsUpload(data) && (reads += 1), false), when: 'before' });
    const id = await upload(await style(userRows(prefix, ROWS)));
    const door = reads;
    sharedWorker();
    const job = await waitForImport(service, id, 60_000);
    proxy.allow();
    expect(job.counts).toMatchObject(expectedCounts(ROWS));
    expect((reads - door) % 2).toBe(0); // the validation pass and the apply pass read the same parts
    return { door, pass: (reads - door) / 2, counts: job.counts, errors: await errorsOf(id) };
  }

  const errorsOf = (id: string) => ImportRowErrorModel.find({ importId: new Types.ObjectId(id) }, { _id: 0, row: 1, messages: 1 }).sort({ row: 1 }).lean();
  /** The import went through an outage (the worker waited for MongoDB) and ended as an unbroken run does. */
  async function expectUnbroken(id: string, prefix: string, unbroken: { counts: object; errors: object[] }) {
    const job = await waitForImport(service, id, 60_000);
    expect({ status: job.status, failureReason: job.failureReason }).toEqual({ status: 'completed_with_errors', failureReason: undefined });
    // The outage reached the import, not only the driver (which retries a read once by itself).
    const logged = worker!.output().split('\n').filter((line) => line.includes(id)).map((line) => JSON.parse(line).msg);
    expect(logged).toContain('database unavailable: the import resumes from its checkpoint after a pause');
    expect(job.counts).toEqual({ ...unbroken.counts, invited: 0 });
    expect(await usersNamed(prefix)).toBe(expectedCounts(ROWS).created);
    expect(await errorsOf(id)).toEqual(unbroken.errors);
  }

  test.each([
    ['the validation pass of a workbook saved by Excel', excelStyle, 'first'],
    ['the apply pass of a workbook saved by Excel', excelStyle, 'last'],
    ['the validation pass of a workbook written by the export', exportStyle, 'first'],
    ['the apply pass of a workbook written by the export', exportStyle, 'last'],
    ['the validation pass of a CSV (the control)', csvStyle, 'first'],
    ['the apply pass of a CSV (the control)', csvStyle, 'last'],
  ] as const)('When MongoDB drops the connections reading the upload in %s and comes back, then the import resumes and ends as it does without the outage', async (_name, style, which) => {
    const tag = `${which === 'first' ? 'v' : 'a'}${styleTag(style)}`;
    const clean = await baseline(style);
    // The worker's first read of the upload is in the validation pass; its last, the sheet's in the apply pass.
    const target = clean.door + (which === 'first' ? 1 : 2 * clean.pass);
    // From that read on, every read of the upload loses its connection (the driver's own retry
    // included) for 1.5 s: MongoDB is gone for the reader, then back.
    let reads = 0;
    const dropped = proxy.drop({ matches: (data) => readsUpload(data) && ++reads >= target, when: 'before', persistent: true });
    const id = await upload(await style(userRows(`wbdrop${tag}`, ROWS)));
    await dropped;
    await sleep(1500);
    proxy.allow();
    await expectUnbroken(id, `wbdrop${tag}`, clean);
  }, 60_000);

  test.each([
    ['a workbook saved by Excel', excelStyle],
    ['a workbook written by the export', exportStyle],
    ['a CSV (the control)', csvStyle],
  ] as const)('When MongoDB goes away for 3 s in the middle of the apply pass of %s and comes back, then the import resumes from its checkpoint and ends as it does without the outage', async (_name, style) => {
    const prefix = `wbcut${styleTag(style)}`;
    sharedWorker();
    const id = await upload(await style(userRows(prefix, ROWS)));
    for (let job = await view(id); job.counts.processed < ROWS * 0.3; job = await view(id)) {
      if (!['queued', 'validating', 'running'].includes(job.status)) throw new Error('the import ended before MongoDB could be cut');
      await sleep(20);
    }
    proxy.cut();
    await sleep(3000);
    proxy.restore();
    const errors = Array.from({ length: ROWS / 50 }, (_, i) => ({ row: 50 * (i + 1), messages: ['Unknown group "Nowhere": create it first, or fix the spelling (names must match exactly).'] }));
    await expectUnbroken(id, prefix, { counts: expectedCounts(ROWS), errors });
  }, 60_000);
});

describe('a workbook import retried with only its failed rows', () => {
  test.each([
    ['as Excel saves it', excelStyle],
    ['as the export writes it', exportStyle],
  ] as const)('When a workbook import (%s) is retried with only its failed rows and nothing fixed, then the same rows fail with the same messages at their sheet row numbers, and the other rows are not touched', async (_name, style) => {
    const p = style === excelStyle ? 'rx' : 're';
    const table = [HEADER];
    for (let i = 1; i <= 20; i++) table.push([`${p}user${i}`, `${p}user${i}@example.com`, `9${p === 'rx' ? 1 : 2}00${i}`, 'Marketing']);
    table[3][1] = 'not-an-email';
    table[5] = ['', '', '', '']; // a blank row keeps its number
    table[8][3] = 'Nowhere';
    table[15][0] = `${p}user14`; // repeats row 14's username
    const workbook = await style(table);
    sharedWorker();
    const id = await upload(workbook);
    const first = await waitForImport(service, id, 60_000);
    expect(first.status).toBe('completed_with_errors');
    const failuresOf = (importId: string) => ImportRowErrorModel.find({ importId: new Types.ObjectId(importId) }, { _id: 0, row: 1, cells: 1, messages: 1 }).sort({ row: 1 }).lean();
    const failed = await failuresOf(id);
    expect(failed.map((error) => error.row)).toEqual([3, 8, 15]); // the blank row 5 counted: sheet rows 4, 9 and 16
    expect(first.counts).toMatchObject({ total: 19, failed: failed.length, created: 19 - failed.length });
    // Data row N is the sheet's row N + 1, read back by exceljs, not by the product.
    const sheet = new ExcelJS.Workbook();
    await sheet.xlsx.load(workbook as unknown as ArrayBuffer);
    for (const error of failed) {
      const cells = (sheet.worksheets[0].getRow(error.row + 1).values as unknown[]).slice(1).map((cell) => (cell == null ? '' : String(cell)));
      expect(error.cells.slice(0, 2)).toEqual(cells.slice(0, 2));
    }
    const others = await UserModel.find({ usernameKey: { $regex: `^${p}user` } }, { usernameKey: 1, updatedAt: 1, lastImport: 1 }).sort({ usernameKey: 1 }).lean();

    const retry = await service.asSupport().post(`/api/imports/${id}/retry`).send({ only: 'failed' });
    expect(retry.status).toBe(202);
    const again = await waitForImport(service, retry.body.id, 60_000);
    expect(again.status).toBe('completed_with_errors');
    expect(again.counts).toMatchObject({ total: failed.length, processed: failed.length, failed: failed.length, created: 0, updated: 0, unchanged: 0 });
    expect(await failuresOf(retry.body.id)).toEqual(failed);
    expect((await errorsCsv(service, retry.body.id)).match(/Row \d+:/g)).toEqual(['Row 3:', 'Row 8:', 'Row 15:']);
    expect(await UserModel.find({ usernameKey: { $regex: `^${p}user` } }, { usernameKey: 1, updatedAt: 1, lastImport: 1 }).sort({ usernameKey: 1 }).lean()).toEqual(others);
  }, 60_000);
});
