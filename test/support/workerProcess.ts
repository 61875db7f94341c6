import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestService } from './testService';

const root = path.join(__dirname, '..', '..');

export type ServiceProcess = ChildProcess & { output: () => string };

/**
 * Starts an entry point (`worker/main.ts`, `api/main.ts`) as its own process on the test
 * service's database and queues, the way production runs it, so a test can kill it mid-work.
 */
const started = new Set<ChildProcess>();

/** Kills every process this test file started: a test that timed out leaves its own running. */
export async function stopServiceProcesses(): Promise<void> {
  for (const child of started) child.kill('SIGKILL');
  await Promise.all([...started].map(exited));
  started.clear();
}

export function startServiceProcess(service: TestService, entry: string, env: Record<string, string> = {}): ServiceProcess {
  const mongoUrl = new URL(process.env.MONGO_URL as string);
  mongoUrl.pathname = `/${service.dbName}`;
  // node with tsx as a loader, not the tsx CLI: one process, so signals reach the service itself.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: {
      ...process.env,
      MONGO_URL: mongoUrl.toString(),
      REDIS_URL: service.config.redisUrl,
      SMTP_URL: service.config.smtpUrl,
      API_KEYS: 'admin:worker-has-no-http',
      INVITE_SECRET: service.config.invitations.secret,
      QUEUE_PREFIX: service.config.queuePrefix,
      IMPORT_CHUNK_SIZE: String(service.config.importChunkSize),
      WORKER_LOCK_SECONDS: String(service.config.workerLockMs / 1000),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let output = '';
  child.stdout?.on('data', (part) => (output += part));
  child.stderr?.on('data', (part) => (output += part));
  return Object.assign(child, { output: () => output });
}

/** `worker/main.ts` as its own process: see startServiceProcess. */
export function startWorkerProcess(service: TestService, env: Record<string, string> = {}): ServiceProcess {
  return startServiceProcess(service, 'worker/main.ts', env);
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
