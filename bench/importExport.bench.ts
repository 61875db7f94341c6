/**
 * Import and export at scale, with API and worker as separate processes as in production:
 * prints wall time, each process's peak RSS (VmHWM) and the worker's peak event-loop delay.
 * Run: npm run bench -- [rows]
 * Figures only, no assertions: this machine is shared and noisy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedServices } from '../scripts/embedded/embeddedServices';
import { apiClient, waitReady, withDatabase } from './benchHttp';
import { freePort } from '../scripts/embedded/embeddedRedis';

const ROWS = Number(process.argv[2] ?? 100_000);
const KEY = 'bench-admin-key';

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
  };
  const api = startProcess('api/main.ts', env);
  const probeFile = path.join(tmpdir(), `event-loop-${process.pid}`);
  const worker = startProcess('worker/main.ts', { ...env, EVENT_LOOP_PROBE_FILE: probeFile }, ['--import', path.join(__dirname, 'eventLoopProbe.mjs')]);
  const base = `http://127.0.0.1:${port}`;
  const call = apiClient(base, KEY);
  try {
    await waitReady(base);
    await call('/api/groups', { method: 'POST', body: JSON.stringify({ name: 'Marketing' }), headers: { 'content-type': 'application/json' } });

    const csv = buildCsv(ROWS);
    console.log(`file: ${ROWS} rows, ${(csv.length / 1024 / 1024).toFixed(1)} MB`);
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'bench.csv');
    const started = Date.now();
    const job = (await (await call('/api/imports', { method: 'POST', body: form })).json()) as { id: string };
    let view: { status: string; counts: Record<string, number> };
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      view = (await (await call(`/api/imports/${job.id}`)).json()) as typeof view;
    } while (!['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(view.status));
    const importSeconds = (Date.now() - started) / 1000;
    console.log(`import: ${view.status} in ${importSeconds.toFixed(1)} s (${Math.round(ROWS / importSeconds)} rows/s), counts ${JSON.stringify(view.counts)}`);
    console.log(`worker peak RSS during import: ${peakRssMb(worker)} MB`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    console.log(`worker event-loop delay peak during import: ${Number(readFileSync(probeFile, 'utf8')).toFixed(0)} ms`);

    const apiPeakBefore = peakRssMb(api);
    const exportStarted = Date.now();
    const response = await call('/api/users/export.csv');
    let bytes = 0;
    for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) bytes += part.length;
    const exportSeconds = (Date.now() - exportStarted) / 1000;
    console.log(`export: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${exportSeconds.toFixed(1)} s`);
    console.log(`api peak RSS: ${apiPeakBefore} MB before export, ${peakRssMb(api)} MB after`);
  } finally {
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    await services.stop();
  }
}

function startProcess(entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const root = path.join(__dirname, '..');
  return spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, path.join(root, entry)], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
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
