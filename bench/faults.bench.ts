/**
 * Imports under faults, API and worker as separate processes, the worker's only road to
 * MongoDB a TCP proxy this script cuts: prints the import time unbroken, with a 5 s and with a
 * 60 s MongoDB outage, the time to recover from a flushed Redis, and the worker's peak
 * event-loop delay in each. Run: npm run bench:faults -- [rows]. Figures only, no assertions.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exited, startBenchStack, uploadCsv, type BenchStack } from './benchProcesses';
import { isFinalStatus } from '../shared/rules/importStatuses';
import { connectRedis } from '../shared/queues/queues';
import { startOwnRedis } from '../test/support/ownRedis';
import { startTcpProxy, type TcpProxy } from '../test/support/tcpProxy';

const ROWS = Number(process.argv[2] ?? 20_000);
const root = path.join(__dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type View = { status: string; counts: Record<string, number>; failureReason?: string };
type StartWorker = (env: NodeJS.ProcessEnv, nodeArgs?: string[]) => ReturnType<BenchStack['startWorker']>;

let call: BenchStack['call'];

async function main() {
  // A Redis of its own, to flush; the TypeScript, as `npm run bench:faults` builds nothing.
  const redis = await startOwnRedis();
  const stack = await startBenchStack({ REDIS_URL: redis.url, LOG_LEVEL: 'error' }, { compiled: false });
  call = stack.call;
  const mongo = new URL(stack.env.MONGO_URL as string);
  const proxy = await startTcpProxy({ host: mongo.hostname, port: Number(mongo.port) });
  // Only the worker's road to MongoDB goes through the proxy: the API keeps answering the polls.
  const worker: StartWorker = (env, nodeArgs = []) => stack.startWorker(nodeArgs, { MONGO_URL: proxy.rewrite(mongo.toString()), ...env });
  try {
    console.log(`file: ${ROWS} rows; worker reaches MongoDB through a proxy; Redis is the bench's own`);
    await scenario('unbroken', worker, async () => undefined);
    await scenario('5 s MongoDB outage at 30 %', worker, (id) => outage(id, proxy, 5_000));
    await scenario('60 s MongoDB outage at 30 %', worker, (id) => outage(id, proxy, 60_000));
    for (const interval of ['60', '10']) await flushedQueue(worker, { RECOVERY_INTERVAL_SECONDS: interval }, redis.url);
  } finally {
    await stack.stop();
    await proxy.close();
    await redis.stop();
  }
}

async function scenario(name: string, startWorker: StartWorker, fault: (id: string) => Promise<void>) {
  const probeFile = path.join(tmpdir(), `event-loop-${process.pid}-${Date.now()}`);
  const worker = startWorker({ EVENT_LOOP_PROBE_FILE: probeFile }, ['--import', path.join(root, 'bench/eventLoopProbe.mjs')]);
  try {
    const started = Date.now();
    const job = { id: await upload() };
    await fault(job.id);
    let current: View;
    do {
      await sleep(250);
      current = await view(job.id);
    } while (!isFinalStatus(current.status));
    const seconds = (Date.now() - started) / 1000;
    await sleep(1100);
    const peak = Number(readFileSync(probeFile, 'utf8'));
    const reason = current.failureReason ? ` (${current.failureReason.slice(0, 120)})` : '';
    console.log(`${name}: ${current.status} in ${seconds.toFixed(1)} s, counts ${JSON.stringify(current.counts)}${reason}; worker event-loop delay peak ${peak.toFixed(0)} ms`);
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
    rmSync(probeFile, { force: true });
  }
}

/**
 * One worker, one import at a time: A runs, B waits in the queue. Redis loses its data when A
 * is at 30 %: how long until both end, found again by the workers' recovery rounds alone.
 */
async function flushedQueue(startWorker: StartWorker, env: NodeJS.ProcessEnv, redisUrl: string) {
  const worker = startWorker({ ...env, WORKER_CONCURRENCY: '1' });
  try {
    const [first, second] = [await upload(), await upload()];
    await progressAt(first, 0.3);
    await flushRedis(redisUrl);
    const flushedAt = Date.now();
    const ended: Record<string, number> = {};
    while (Object.keys(ended).length < 2) {
      for (const id of [first, second]) {
        if (!ended[id] && isFinalStatus((await view(id)).status)) ended[id] = (Date.now() - flushedAt) / 1000;
      }
      await sleep(250);
    }
    const [a, b] = [await view(first), await view(second)];
    console.log(
      `Redis flushed (RECOVERY_INTERVAL_SECONDS=${env.RECOVERY_INTERVAL_SECONDS}): the running import ${a.status} ${ended[first].toFixed(1)} s after the flush, ` +
        `the waiting one ${b.status} ${ended[second].toFixed(1)} s after, counts ${JSON.stringify(a.counts)} / ${JSON.stringify(b.counts)}`,
    );
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
  }
}

const upload = () => uploadCsv(call, buildCsv(`b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`));

async function outage(id: string, proxy: TcpProxy, ms: number) {
  await progressAt(id, 0.3);
  proxy.cut();
  await sleep(ms);
  proxy.restore();
}

async function progressAt(id: string, share: number) {
  for (;;) {
    const current = await view(id);
    if (current.counts.processed >= ROWS * share || isFinalStatus(current.status)) return;
    await sleep(50);
  }
}

async function flushRedis(url: string) {
  const client = connectRedis(url);
  await client.flushall();
  client.disconnect();
}

const view = async (id: string) => (await (await call(`/api/imports/${id}`)).json()) as View;

function buildCsv(prefix: string): string {
  const lines = ['Email,Username,First Name,Last Name'];
  for (let i = 0; i < ROWS; i++) lines.push(`${prefix}${i}@example.com,${prefix}${i},First ${i},Last ${i}`);
  return `${lines.join('\r\n')}\r\n`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
