import { UserModel } from '../../shared/data/userModel';
import { importCsv, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { commandOn, startMongoProxy, type TcpProxy } from '../support/tcpProxy';
import { CHUNK_SIZE, FAULT_ROWS, FAULT_TIMEOUT_MS, usersCsv } from './faultKit';

// The whole service (API, workers, these assertions) reaches MongoDB through a proxy that
// drops the connection carrying one chosen command.
let proxy: TcpProxy;
let service: TestService;
beforeAll(async () => {
  proxy = await startMongoProxy();
  service = await startTestService(
    // A short wait for the database: a dropped connection is back within a second, and the
    // last test outlasts it on purpose.
    { MONGO_URL: proxy.rewrite(process.env.MONGO_URL as string), IMPORT_CHUNK_SIZE: CHUNK_SIZE, IMPORT_DB_RETRY_SECONDS: '5' },
    { worker: true },
  );
});
afterAll(async () => {
  proxy.allow();
  await service.stop();
  await proxy.close();
});

async function viewWhen(on: TestService, id: string, condition: (job: Record<string, any>) => boolean) {
  for (;;) {
    const job = (await on.asSupport().get(`/api/imports/${id}`)).body;
    if (condition(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const usersNamed = (prefix: string) => UserModel.countDocuments({ usernameKey: { $regex: `^${prefix}` } });

describe('a database connection lost in the middle of a chunk', () => {
  test('When the connection drops before a chunk of new users is written, then no row is counted before it is written and the import resumes to exact counts', async () => {
    const dropped = proxy.drop({ matches: commandOn('insert', 'users'), when: 'before' });
    const job = await importCsv(service, usersCsv('lostwrite'));
    await dropped;
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ total: FAULT_ROWS, processed: FAULT_ROWS, created: FAULT_ROWS, failed: 0 });
    expect(await usersNamed('lostwrite')).toBe(FAULT_ROWS);
  }, FAULT_TIMEOUT_MS);

  test('When the users are written but the answer is lost, then the replayed chunk counts each of them once', async () => {
    const dropped = proxy.drop({ matches: commandOn('insert', 'users'), when: 'after' });
    const job = await importCsv(service, usersCsv('lostreply'));
    await dropped;
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ processed: FAULT_ROWS, created: FAULT_ROWS, updated: 0, unchanged: 0, failed: 0 });
    expect(await usersNamed('lostreply')).toBe(FAULT_ROWS);
  }, FAULT_TIMEOUT_MS);

  test('When updates lose their answer, then they are counted as updated once, not as unchanged', async () => {
    await importCsv(service, usersCsv('lostupdate'));
    const renamed = usersCsv('lostupdate').replace(/,First(\d+)$/gm, ',Renamed$1');
    const dropped = proxy.drop({ matches: commandOn('update', 'users'), when: 'after' });
    const job = await importCsv(service, renamed);
    await dropped;
    expect(job.counts).toMatchObject({ processed: FAULT_ROWS, created: 0, updated: FAULT_ROWS, unchanged: 0, failed: 0 });
    expect(await UserModel.countDocuments({ usernameKey: { $regex: '^lostupdate' }, firstName: { $regex: '^Renamed' } })).toBe(FAULT_ROWS);
  }, FAULT_TIMEOUT_MS);
});

describe('an outage longer than the import waits for', () => {
  test('When the users collection stays unreachable past IMPORT_DB_RETRY_SECONDS, then the import fails saying what happened and what to do, and a retry finishes it exactly', async () => {
    try {
      // Every command on the users collection loses its connection; the rest of the database
      // (the job record) still answers, so the failure can be recorded.
      const dropping = proxy.drop({ matches: commandOn('find', 'users'), when: 'before', persistent: true });
      const upload = await uploadCsv(service, usersCsv('outlasted'));
      await dropping;
      const waiting = await viewWhen(service, upload.body.id, (job) => Boolean(job.retrying));
      expect(waiting.status).toMatch(/^(validating|running)$/);
      expect(waiting.retrying).toMatchObject({ reason: expect.stringMatching(/^The connection to the database \(MongoDB\) was lost/), attempt: expect.any(Number) });
      expect(Date.parse(waiting.retrying.nextAt)).toBeGreaterThan(Date.parse(waiting.retrying.since));
      const failed = await waitForImport(service, upload.body.id, FAULT_TIMEOUT_MS);
      proxy.allow();
      expect(failed.status).toBe('failed');
      expect(failed.failureReason).toMatch(/^The connection to the database \(MongoDB\) was lost .*stayed unavailable for about 1 minute, so this import stopped waiting\. No chunk was completed; rows of the first one may be partly applied\. Retry the import once the database is back: rows already applied come out unchanged\.$/);
      expect(failed.retrying).toBeUndefined();

      const retry = await service.asAdmin().post(`/api/imports/${upload.body.id}/retry`);
      expect(retry.status).toBe(202);
      const finished = await waitForImport(service, retry.body.id, FAULT_TIMEOUT_MS);
      expect(finished.status).toBe('completed');
      expect(finished.counts).toMatchObject({ processed: FAULT_ROWS, created: FAULT_ROWS, failed: 0 });
      expect(await usersNamed('outlasted')).toBe(FAULT_ROWS);
    } finally {
      proxy.allow();
    }
  }, FAULT_TIMEOUT_MS);
});
