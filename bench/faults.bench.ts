/**
 * Imports under faults, API and worker as separate processes, the worker's only road to
 * MongoDB a TCP proxy this script cuts: prints the import time unbroken, with a 5 s and with a
 * 60 s MongoDB outage, the time to recover from a flushed Redis, and the worker's peak
 * event-loop delay in each. Run: npm run bench:faults -- [rows]. Figures only, no assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedServices } from '../scripts/embedded/embeddedServices';
import { apiClient, waitReady, withDatabase } from './benchHttp';
import { isFinalStatus } from '../shared/rules/importStatuses';
import { freePort } from '../scripts/embedded/embeddedRedis';
import { connectRedis } from '../shared/queues/queues';
import { startOwnRedis } from '../test/support/ownRedis';
import { startTcpProxy, type TcpProxy } from '../test/support/tcpProxy';

const ROWS = Number(process.argv[2] ?? 20_000);
const KEY = 'bench-admin-key';
const root = path.join(__dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type View = { status: string; counts: Record<string, number>; failureReason?: string };

async function main() {
  const services = await startEmbeddedServices({ log: (line) => console.log(`# ${line}`), onMail: () => undefined });
  const redis = await startOwnRedis();
  const mongo = new URL(services.mongo.uri);
  const proxy = await startTcpProxy({ host: mongo.hostname, port: Number(mongo.port) });
  const db = `bench_faults_${Date.now()}`;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGO_URL: withDatabase(services.mongo.uri, db),
    REDIS_URL: redis.url,
    SMTP_URL: services.smtpUrl,
    API_KEYS: `admin:${KEY}`,
    INVITE_SECRET: 'bench-invitation-secret-0123456789abcdef',
    PORT: String(port),
    LOG_LEVEL: 'error',
    QUEUE_PREFIX: `bench-${Date.now()}`,
  };
  const api = startProcess('api/main.ts', env);
  const base = `http://127.0.0.1:${port}`;
  const workerEnv = { ...env, MONGO_URL: withDatabase(proxy.rewrite(services.mongo.uri), db) };
  try {
    await waitReady(base);
    console.log(`file: ${ROWS} rows; worker reaches MongoDB through a proxy; Redis is the bench's own`);
    await scenario('unbroken', base, workerEnv, async () => undefined);
    await scenario('5 s MongoDB outage at 30 %', base, workerEnv, (id) => outage(base, id, proxy, 5_000));
    await scenario('60 s MongoDB outage at 30 %', base, workerEnv, (id) => outage(base, id, proxy, 60_000));
    for (const interval of ['60', '10']) await flushedQueue(base, { ...workerEnv, RECOVERY_INTERVAL_SECONDS: interval }, redis.url);
  } finally {
    api.kill('SIGTERM');
    await proxy.close();
    await redis.stop();
    await services.stop();
  }
}

async function scenario(name: string, base: string, env: NodeJS.ProcessEnv, fault: (id: string) => Promise<void>) {
  const probeFile = path.join(tmpdir(), `event-loop-${process.pid}-${Date.now()}`);
  const worker = startProcess('worker/main.ts', { ...env, EVENT_LOOP_PROBE_FILE: probeFile }, ['--import', path.join(root, 'bench/eventLoopProbe.mjs')]);
  try {
    const started = Date.now();
    const job = { id: await upload(base) };
    await fault(job.id);
    let current: View;
    do {
      await sleep(250);
      current = await view(base, job.id);
    } while (!isFinalStatus(current.status));
    const seconds = (Date.now() - started) / 1000;
    await sleep(1100);
    const peak = Number(readFileSync(probeFile, 'utf8'));
    const reason = current.failureReason ? ` (${current.failureReason.slice(0, 120)})` : '';
    console.log(`${name}: ${current.status} in ${seconds.toFixed(1)} s, counts ${JSON.stringify(current.counts)}${reason}; worker event-loop delay peak ${peak.toFixed(0)} ms`);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    rmSync(probeFile, { force: true });
  }
}

/**
 * One worker, one import at a time: A runs, B waits in the queue. Redis loses its data when A
 * is at 30 %: how long until both end, found again by the workers' recovery rounds alone.
 */
async function flushedQueue(base: string, env: NodeJS.ProcessEnv, redisUrl: string) {
  const worker = startProcess('worker/main.ts', { ...env, WORKER_CONCURRENCY: '1' });
  try {
    const [first, second] = [await upload(base), await upload(base)];
    await progressAt(base, first, 0.3);
    await flushRedis(redisUrl);
    const flushedAt = Date.now();
    const ended: Record<string, number> = {};
    while (Object.keys(ended).length < 2) {
      for (const id of [first, second]) {
        if (!ended[id] && isFinalStatus((await view(base, id)).status)) ended[id] = (Date.now() - flushedAt) / 1000;
      }
      await sleep(250);
    }
    const [a, b] = [await view(base, first), await view(base, second)];
    console.log(
      `Redis flushed (RECOVERY_INTERVAL_SECONDS=${env.RECOVERY_INTERVAL_SECONDS}): the running import ${a.status} ${ended[first].toFixed(1)} s after the flush, ` +
        `the waiting one ${b.status} ${ended[second].toFixed(1)} s after, counts ${JSON.stringify(a.counts)} / ${JSON.stringify(b.counts)}`,
    );
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
}

async function upload(base: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([buildCsv(`b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)], { type: 'text/csv' }), 'bench.csv');
  return ((await (await apiClient(base, KEY)('/api/imports', { method: 'POST', body: form })).json()) as { id: string }).id;
}

async function outage(base: string, id: string, proxy: TcpProxy, ms: number) {
  await progressAt(base, id, 0.3);
  proxy.cut();
  await sleep(ms);
  proxy.restore();
}

async function progressAt(base: string, id: string, share: number) {
  for (;;) {
    const current = await view(base, id);
    if (current.counts.processed >= ROWS * share || isFinalStatus(current.status)) return;
    await sleep(50);
  }
}

async function flushRedis(url: string) {
  const client = connectRedis(url);
  await client.flushall();
  client.disconnect();
}

const view = async (base: string, id: string) => (await (await apiClient(base, KEY)(`/api/imports/${id}`)).json()) as View;

function startProcess(entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, path.join(root, entry)], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

function buildCsv(prefix: string): string {
  const lines = ['Email,Username,First Name,Last Name'];
  for (let i = 0; i < ROWS; i++) lines.push(`${prefix}${i}@example.com,${prefix}${i},First ${i},Last ${i}`);
  return `${lines.join('\r\n')}\r\n`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
