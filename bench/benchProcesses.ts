/**
 * The processes a bench runs, as in production: MongoDB, the API and workers each on their own,
 * compiled JavaScript from dist/ (`npm run build` first) unless BENCH_TSX=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedServices, type EmbeddedServices } from '../scripts/embedded/embeddedServices';
import { freePort } from '../scripts/embedded/embeddedRedis';
import { apiClient, waitReady, withDatabase } from './benchHttp';
import { isFinalStatus } from '../shared/rules/importStatuses';

export const COMPILED = process.env.BENCH_TSX !== '1';
const ROOT = path.join(__dirname, '..');
export const BENCH_ADMIN_KEY = 'bench-admin-key';
const KEY = BENCH_ADMIN_KEY;
/** As the Dockerfile's NODE_OPTIONS and package.json's start scripts: keep the three in step. */
export const PRODUCTION_NODE_OPTIONS = '--max-old-space-size=96 --max-semi-space-size=4';

export interface BenchStack {
  services: EmbeddedServices;
  /** The environment API and workers run with. */
  env: NodeJS.ProcessEnv;
  api: ChildProcess;
  base: string;
  call: ReturnType<typeof apiClient>;
  startWorker(nodeArgs?: string[], extraEnv?: NodeJS.ProcessEnv): ChildProcess;
  stop(): Promise<void>;
}

/**
 * MongoDB in its own process, Redis and SMTP as `npm run dev` resolves them, and a running API.
 * BENCH_PROFILE=<dir>: every process writes a CPU profile when it exits (MongoDB's in <dir>/mongo,
 * the API's in <dir>/api, workers' in <dir>); bench/profileSummary.ts lists their top functions.
 * BENCH_NODE_OPTIONS: node options for API and workers; by default the heap caps the Dockerfile
 * and `npm run start:*` run them with. `compiled: false` runs the TypeScript, for a bench whose
 * npm script builds nothing.
 */
export async function startBenchStack(extraEnv: NodeJS.ProcessEnv = {}, { compiled = COMPILED } = {}): Promise<BenchStack> {
  const profileDir = process.env.BENCH_PROFILE;
  const profile = (dir: string) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, dir)}`] : []);
  const mongo = await startMongoProcess(profile('mongo'));
  process.env.MONGO_URL = mongo.uri;
  const services = await startEmbeddedServices({ log: (line) => console.log(`# ${line}`), onMail: () => undefined });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGO_URL: withDatabase(services.mongo.uri, `bench_${Date.now()}`),
    REDIS_URL: services.redis.url,
    SMTP_URL: services.smtpUrl,
    API_KEYS: `admin:${KEY}`,
    INVITE_SECRET: 'bench-invitation-secret-0123456789abcdef',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-${Date.now()}`,
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? PRODUCTION_NODE_OPTIONS,
    ...extraEnv,
  };
  const children: ChildProcess[] = [];
  let stopping = false;
  const api = startAppProcess('api/main', env, profile('api'), compiled);
  children.push(api);
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base);
  return {
    services,
    env,
    api,
    base,
    call: apiClient(base, KEY),
    startWorker(nodeArgs = [], workerEnv = {}) {
      const worker = startAppProcess('worker/main', { ...env, ...workerEnv }, [...nodeArgs, ...profile('.')], compiled);
      children.push(worker);
      // A worker that dies mid-bench must say so, or its figures read as a slow run.
      worker.once('exit', (code, signal) => {
        if (!stopping) console.log(`# a worker exited during the bench: code ${code}, signal ${signal}`);
      });
      return worker;
    },
    async stop() {
      stopping = true;
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map(exited));
      await services.stop();
      await mongo.stop();
    },
  };
}

/** MongoDB in a process of its own (bench/mongoProcess.ts), unless MONGO_URL names one. */
async function startMongoProcess(nodeArgs: string[]): Promise<{ uri: string; stop(): Promise<void> }> {
  if (process.env.MONGO_URL) return { uri: process.env.MONGO_URL, stop: async () => {} };
  // The stand-in keeps everything in its heap (1M users and their change records are several
  // GB), where mongod would use its cache and disk: give it room, or a 1M bench runs it out.
  const heap = ['--max-old-space-size=12288'];
  const child = spawn(process.execPath, ['--import', 'tsx', ...heap, ...nodeArgs, path.join(__dirname, 'mongoProcess.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const uri = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (part: Buffer) => {
      output += part.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { uri: string }).uri);
    });
    child.once('exit', (code) => reject(new Error(`MongoDB's process exited with ${code}`)));
  });
  return {
    uri,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

function startAppProcess(entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[], compiled: boolean): ChildProcess {
  const args = compiled ? [...nodeArgs, path.join(ROOT, 'dist', `${entry}.js`)] : ['--import', 'tsx', ...nodeArgs, path.join(ROOT, `${entry}.ts`)];
  return spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** VmHWM: the most resident memory the process has had; tsx's own loader shows as a child. */
export function peakRssMb(child: ChildProcess): string {
  return rssMb(child, 'VmHWM');
}

export function currentRssMb(child: ChildProcess): string {
  return rssMb(child, 'VmRSS');
}

function rssMb(child: ChildProcess, field: 'VmHWM' | 'VmRSS'): string {
  const sizes = processTree(child).map((pid) => {
    try {
      const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  });
  return Math.max(...sizes).toFixed(0);
}

/** CPU seconds (user + system, all threads, libuv's pool included) the process has used so far. */
export function cpuSeconds(child: ChildProcess): number {
  return processTree(child).reduce((sum, pid) => {
    try {
      // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return sum;
    }
  }, 0);
}

function processTree(child: ChildProcess): number[] {
  const pid = child.pid!;
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  } catch {
    return [pid];
  }
}

/** Polls an import until it ends; `onPoll` sees every view (progress figures, timings). */
export async function waitForImport(call: BenchStack['call'], id: string, onPoll: (view: ImportView) => void = () => undefined, everyMs = 250): Promise<ImportView> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    const view = (await (await call(`/api/imports/${id}`)).json()) as ImportView;
    onPoll(view);
    if (isFinalStatus(view.status)) return view;
  }
}

export interface ImportView {
  status: string;
  counts: Record<string, number>;
}

/** Uploads a CSV text as a new import; returns its id. */
export async function uploadCsv(call: BenchStack['call'], csv: string, name = 'bench.csv', fields: Record<string, string> = {}, onTooMany?: () => void): Promise<string> {
  return uploadFile(call, Buffer.from(csv), name, fields, onTooMany);
}

/**
 * Uploads a CSV file or an .xlsx workbook (by its name) and returns the import's id. A 429 (more
 * uploads at once than MAX_UPLOADS_PER_KEY) is answered as README asks of a client: wait its
 * Retry-After and send again; `onTooMany` counts them.
 */
export async function uploadFile(call: BenchStack['call'], bytes: Buffer, name: string, fields: Record<string, string> = {}, onTooMany?: () => void): Promise<string> {
  const type = name.endsWith('.xlsx') ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv';
  for (;;) {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    form.append('file', new Blob([bytes], { type }), name);
    const response = await call('/api/imports', { method: 'POST', body: form }, [429]);
    const job = (await response.json()) as { id: string; error?: unknown };
    if (response.status === 202) return job.id;
    if (response.status !== 429) throw new Error(`upload of ${name} answered ${response.status}: ${JSON.stringify(job)}`);
    onTooMany?.();
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
  }
}
