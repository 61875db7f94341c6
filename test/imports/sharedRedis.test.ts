/**
 * Two deployments on one Redis with one QUEUE_PREFIX (issue 19, point 1): staging and production
 * sharing a Redis, or two checkouts' `npm run dev`. Each deployment's workers run only its own
 * jobs; another deployment's job is handed back, never completed, and its import says why it waits.
 */
import mongoose from 'mongoose';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { ImportModel } from '../../shared/data/importModel';
import { WorkerPresenceModel } from '../../shared/data/deploymentModel';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { exited, startWorkerProcess, stopServiceProcesses, type ServiceProcess } from '../support/workerProcess';

/** Recovery rounds far apart: nothing here may be rescued by one. */
const NO_RECOVERY = { RECOVERY_INTERVAL_SECONDS: '3600', LOG_LEVEL: 'info' };

let smtp: SmtpCapture;
/** Deployment A: this API and its database; its own worker is started by the tests. */
let service: TestService;
/** Deployment B's worker: the same Redis and QUEUE_PREFIX, its own database. */
let other: ServiceProcess;
const otherDb = `other_${Date.now().toString(36)}`;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  service = await startTestService({ SMTP_URL: smtp.url, INVITE_RATE_PER_SECOND: '1000' });
  const otherMongo = new URL(process.env.MONGO_URL as string);
  otherMongo.pathname = `/${otherDb}`;
  other = startWorkerProcess(service, { ...NO_RECOVERY, MONGO_URL: otherMongo.toString() });
  // Ready once it reports itself alive, in its own database.
  await until(async () => (await mongoose.connection.useDb(otherDb).collection('workers').countDocuments()) > 0, 45_000);
}, 60_000);
afterAll(async () => {
  await stopServiceProcesses();
  await mongoose.connection.useDb(otherDb).dropDatabase();
  await service.stop();
  await smtp.stop();
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const report = async (id: string) => (await service.asSupport().get(`/api/imports/${id}`).expect(200)).body;

describe('two deployments sharing a Redis and a QUEUE_PREFIX', () => {
  test('When no worker of this deployment runs, then its import says so instead of "waiting for a worker"', async () => {
    const upload = await uploadCsv(service, 'Email,Username\nlonely@example.com,lonely\n');
    // Queued a minute ago, as a page polling it would find it; other's worker may not have taken it yet.
    await ImportModel.updateOne({ _id: upload.body.id }, { $set: { createdAt: new Date(Date.now() - 60_000) } });
    const waiting = (await report(upload.body.id)).waiting;
    expect(waiting.reason).toMatch(/^(no_worker|other_deployment)$/);
    expect(waiting.message).toContain('No worker of this deployment is running');
    expect(waiting.message).toContain('start one (npm run start:worker) with the same MONGO_URL, REDIS_URL and QUEUE_PREFIX as this API');
  });

  test("When only the other deployment's worker runs, then it never completes this deployment's import: it hands it back, says what to configure, and the import's page says why it waits", async () => {
    const upload = await uploadCsv(service, 'Email,Username\nours@example.com,ours\n');
    const id = upload.body.id as string;
    await until(async () => (await report(id)).waiting?.reason === 'other_deployment', 15_000);
    const waiting = (await report(id)).waiting;
    expect(waiting.message).toMatch(/^A worker of another deployment took this import (once|\d+ times) and handed it back: that deployment uses the same Redis and QUEUE_PREFIX \("test-[0-9a-f]+"\) but another MongoDB\. Give each deployment its own QUEUE_PREFIX\./);

    // Seconds of being taken and handed back: never completed, never failed, nothing written.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await service.runtime.importQueue.getJobState(id)).toMatch(/^(delayed|waiting|active|prioritized)$/);
    expect((await report(id)).status).toBe('queued');
    expect(await mongoose.connection.useDb(otherDb).collection('importjobs').countDocuments()).toBe(0);
    expect(other.output()).toMatch(/A job of another deployment reached this worker \(an import queued by another deployment\): deployments that share a Redis \(REDIS_URL\) must each have their own QUEUE_PREFIX \(this one uses \\"test-[0-9a-f]+\\"\)/);
    expect(other.output()).toMatch(/"queuePrefix":"test-[0-9a-f]+","redis":"redis:\/\//);
  }, 30_000);

  test("When both deployments' workers run, then each of this deployment's imports, with its invitations, finishes within seconds, not after a recovery round", async () => {
    const own = startWorkerProcess(service, NO_RECOVERY);
    try {
      await until(async () => (await WorkerPresenceModel.countDocuments()) > 0, 30_000);
      // Recovery rounds are an hour apart here, so an import that ends at all was taken by this
      // deployment's worker off the queue, however often the other handed it back first.
      const leftOver = await ImportModel.find({ status: 'queued' }, { _id: 1 }).lean();
      for (const queued of leftOver) await waitForImport(service, String(queued._id), 15_000);

      for (let round = 0; round < 6; round += 1) {
        const upload = await uploadCsv(service, `Email,Username\nshared${round}@example.com,shared${round}\n`, { sendInvitations: true });
        expect(await waitForImport(service, upload.body.id, 15_000)).toMatchObject({ status: 'completed', counts: { created: 1 } });
      }
      const mails = await smtp.waitForMails(6, 20_000);
      expect(mails.map((mail) => mail.envelopeTo[0]).sort()).toEqual(Array.from({ length: 6 }, (_, round) => `shared${round}@example.com`));
      expect(await mongoose.connection.useDb(otherDb).collection('invitations').countDocuments()).toBe(0);
    } finally {
      own.kill('SIGTERM');
      await exited(own);
    }
  }, 120_000);
});
