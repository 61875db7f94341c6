/**
 * Import and export at scale, with API and worker as separate processes as in production,
 * running the compiled JavaScript (`npm run build` first) unless BENCH_TSX=1. In one run it
 * prints: the raw floor (bench/rawFloor.ts: papaparse + insertMany on the same file, indexes
 * and MongoDB, in its own process), the import's time and its ratio to the floor, the time per
 * 1,000 rows at the start and at the end of the apply pass, each process's peak RSS (VmHWM),
 * the worker's peak event-loop delay, and the export's rows/s.
 * Run: npm run bench -- [rows]
 * Figures only, no assertions: this machine is shared and noisy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedServices } from '../scripts/embedded/embeddedServices';
import { apiClient, waitReady, withDatabase } from './benchHttp';
import { freePort } from '../scripts/embedded/embeddedRedis';

const ROWS = Number(process.argv[2] ?? 100_000);
const KEY = 'bench-admin-key';
const COMPILED = process.env.BENCH_TSX !== '1';
const ROOT = path.join(__dirname, '..');

async function main() {
  const services = await startEmbeddedServices({ log: (line) => console.log(`# ${line}`), onMail: () => undefined });
  const port = await freePort();
  const env = {
    ...process.env,
    MONGO_URL: withDatabase(services.mongo.uri, `bench_${Date.now()}`),
    REDIS_URL: services.redis.url,
    SMTP_URL: services.smtpUrl,
    API_KEYS: `admin:${KEY}`,
    INVITE_SECRET: 'bench-invitation-secret-0123456789abcdef',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-${Date.now()}`,
    // e.g. BENCH_NODE_OPTIONS=--max-old-space-size=64: API and worker as in a container with a memory limit.
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '',
  };
  const csv = buildCsv(ROWS);
  const csvFile = path.join(tmpdir(), `bench-${process.pid}.csv`);
  writeFileSync(csvFile, csv);
  console.log(`file: ${ROWS} rows, ${(csv.length / 1024 / 1024).toFixed(1)} MB; processes run ${COMPILED ? 'compiled JavaScript (dist/)' : 'TypeScript under tsx'}`);
  const floor = await runFloor(withDatabase(services.mongo.uri, `floor_${Date.now()}`), csvFile);
  console.log(`floor (papaparse streamed + insertMany 1,000 at a time, own process): ${floor.seconds.toFixed(1)} s (${Math.round(floor.rows / floor.seconds)} rows/s)`);

  const api = startProcess('api/main', env, process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}/api`] : []);
  const probeFile = path.join(tmpdir(), `event-loop-${process.pid}`);
  // BENCH_PROFILE=<dir>: the worker (and the API, in <dir>/api) write a CPU profile when they
  // exit; bench/profileSummary.ts lists their top functions.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const worker = startProcess('worker/main', { ...env, EVENT_LOOP_PROBE_FILE: probeFile }, ['--import', path.join(__dirname, 'eventLoopProbe.mjs'), ...profile]);
  const base = `http://127.0.0.1:${port}`;
  const call = apiClient(base, KEY);
  try {
    await waitReady(base);
    await call('/api/groups', { method: 'POST', body: JSON.stringify({ name: 'Marketing' }), headers: { 'content-type': 'application/json' } });

    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'bench.csv');
    worker.kill('SIGUSR2');
    const started = Date.now();
    const job = (await (await call('/api/imports', { method: 'POST', body: form })).json()) as { id: string };
    const uploadSeconds = (Date.now() - started) / 1000;
    const apiPeakAfterUpload = peakRssMb(api);
    let view: { status: string; counts: Record<string, number> };
    const samples: { at: number; processed: number }[] = [];
    let runningAt: number | undefined;
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      view = (await (await call(`/api/imports/${job.id}`)).json()) as typeof view;
      samples.push({ at: Date.now(), processed: view.counts?.processed ?? 0 });
      if (view.status !== 'queued' && view.status !== 'validating') runningAt ??= Date.now();
    } while (!['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(view.status));
    const importSeconds = (Date.now() - started) / 1000;
    console.log(`upload: ${uploadSeconds.toFixed(1)} s; api peak RSS after the upload: ${apiPeakAfterUpload} MB`);
    console.log(`import: ${view.status} in ${importSeconds.toFixed(1)} s (${Math.round(ROWS / importSeconds)} rows/s), counts ${JSON.stringify(view.counts)}`);
    console.log(`import ÷ floor: ${(importSeconds / floor.seconds).toFixed(2)}; upload and validation pass until about ${(((runningAt ?? Date.now()) - started) / 1000).toFixed(1)} s, then the apply pass`);
    console.log(`apply pass, ms per 1,000 rows: ${describeRates(samples, ROWS)}`);
    console.log(`worker peak RSS during import: ${peakRssMb(worker)} MB`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    console.log(`worker event-loop delay peak during import: ${Number(readFileSync(probeFile, 'utf8')).toFixed(0)} ms`);

    const apiPeakBefore = peakRssMb(api);
    const exportStarted = Date.now();
    const response = await call('/api/users/export.csv');
    let bytes = 0;
    for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) bytes += part.length;
    const exportSeconds = (Date.now() - exportStarted) / 1000;
    console.log(`export: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${exportSeconds.toFixed(1)} s (${Math.round(ROWS / exportSeconds)} rows/s)`);
    console.log(`api peak RSS: ${apiPeakBefore} MB before export, ${peakRssMb(api)} MB after`);
  } finally {
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    await Promise.all([api, worker].map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))));
    rmSync(csvFile, { force: true });
    await services.stop();
  }
}

/** The floor in its own process, so that its client work does not share a core with ours. */
function runFloor(mongoUrl: string, csvFile: string): Promise<{ rows: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'rawFloor.ts'), mongoUrl, csvFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (part: Buffer) => (output += part.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim().split('\n').pop() ?? '{}')) : reject(new Error(`the floor exited with ${code}`))));
  });
}

/** Time per 1,000 rows over the first and the last tenth of the apply pass, from the polls. */
function describeRates(samples: { at: number; processed: number }[], total: number): string {
  const crossing = (rows: number) => samples.find((sample) => sample.processed >= rows);
  const rate = (from: number, to: number) => {
    const start = crossing(from);
    const end = crossing(to);
    if (!start || !end || end.processed === start.processed) return undefined;
    return ((end.at - start.at) / (end.processed - start.processed)) * 1000;
  };
  const first = rate(1, total * 0.1);
  const last = rate(total * 0.9, total);
  if (first === undefined || last === undefined) return 'too few polls to tell (the import was too quick)';
  return `first tenth ${first.toFixed(0)}, last tenth ${last.toFixed(0)} (last ÷ first ${(last / first).toFixed(2)})`;
}

function startProcess(entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const args = COMPILED ? [...nodeArgs, path.join(ROOT, 'dist', `${entry}.js`)] : ['--import', 'tsx', ...nodeArgs, path.join(ROOT, `${entry}.ts`)];
  return spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** VmHWM: the most resident memory the process has had; tsx's own loader shows as a child. */
function peakRssMb(child: ChildProcess): string {
  const pids = [child.pid, ...childPids(child.pid!)];
  const peaks = pids.map((pid) => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  });
  return Math.max(...peaks).toFixed(0);
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function buildCsv(rows: number): string {
  const lines = ['Email,Username,First Name,Last Name,User groups,Roles,External ID'];
  for (let i = 0; i < rows; i++) lines.push(`u${i}@example.com,u${i},First ${i},Last ${i},Marketing,${i % 3 ? '' : 'Reviewer'},${i % 4 ? '' : `X${i}`}`);
  return `${lines.join('\r\n')}\r\n`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
