import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/embedded/embeddedRedis';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, ADMIN_KEY, type TestService } from '../support/testService';
import { exited, type ServiceProcess } from '../support/workerProcess';

const root = path.join(__dirname, '..', '..');

let service: TestService;
const started: ServiceProcess[] = [];
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  await Promise.all(started.map(exited));
  await service.stop();
});

/**
 * An entry point as its own process with exactly `env` and nothing of this process's
 * environment, so a variable it still asked for would stop it.
 */
function startEntry(entry: string, env: Record<string, string>): ServiceProcess {
  const mongoUrl = new URL(process.env.MONGO_URL as string);
  mongoUrl.pathname = `/${service.dbName}`;
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, MONGO_URL: mongoUrl.toString(), REDIS_URL: service.config.redisUrl, QUEUE_PREFIX: service.config.queuePrefix, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child as ServiceProcess);
  let output = '';
  child.stdout.on('data', (part) => (output += part));
  child.stderr.on('data', (part) => (output += part));
  return Object.assign(child, { output: () => output });
}

async function answers(url: string, child: ServiceProcess, init: RequestInit = {}): Promise<Response> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(url, init).catch(() => undefined);
    if (response?.ok) return response;
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${url} answered:\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('API and worker as separate processes, each given only what it reads', () => {
  test('a worker starts without API_KEYS, and the rows it imports are counted on its own metrics listener', async () => {
    const metricsPort = await freePort();
    const worker = startEntry('worker/main.ts', {
      SMTP_URL: service.config.smtpUrl,
      INVITE_SECRET: service.config.invitations.secret,
      WORKER_METRICS_PORT: String(metricsPort),
    });
    await answers(`http://127.0.0.1:${metricsPort}/healthz`, worker);
    expect(worker.output()).toContain('worker ready');

    const upload = await uploadCsv(service, 'Email,Username\nmetrics1@example.com,metrics1\nmetrics2@example.com,metrics2\nmetrics3@example.com,metrics3\n');
    expect(upload.status).toBe(202);
    const job = await waitForImport(service, upload.body.id);
    expect(job.counts).toMatchObject({ processed: 3, created: 3 });

    const metrics = await (await answers(`http://127.0.0.1:${metricsPort}/metrics`, worker)).text();
    expect(metrics).toMatch(/^import_rows_processed_total\{outcome="created"\} 3$/m);

    worker.kill('SIGTERM');
    await exited(worker);
    expect(worker.exitCode).toBe(0);
  }, 60_000);

  test('the API starts without SMTP_URL and INVITE_SECRET and serves its routes', async () => {
    const port = await freePort();
    const api = startEntry('api/main.ts', { API_KEYS: `admin:${ADMIN_KEY}`, PORT: String(port) });
    await answers(`http://127.0.0.1:${port}/readyz`, api);
    const me = await answers(`http://127.0.0.1:${port}/api/me`, api, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(await me.json()).toEqual({ role: 'admin' });

    api.kill('SIGTERM');
    await exited(api);
    expect(api.exitCode).toBe(0);
  }, 60_000);

  test('the composition root loads neither the API nor the workers until it starts them, so each process carries only its own code', () => {
    const script = "require('./scripts/service'); console.log(JSON.stringify(Object.keys(require.cache)))";
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
    const loaded = (JSON.parse(result.stdout) as string[]).map((file) => path.relative(root, file));
    expect(loaded).toContain(path.join('scripts', 'service.ts'));
    expect(loaded.filter((file) => file.startsWith('api/') || file.startsWith('worker/'))).toEqual([]);
  });

  test('the API loads exceljs on its first workbook export, not at start: it adds about 27 MB to the RSS of an API that may never export one', () => {
    const script = "require('./api/app'); console.log(JSON.stringify(Object.keys(require.cache)))";
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
    const loaded = (JSON.parse(result.stdout) as string[]).map((file) => path.relative(root, file));
    expect(loaded).toContain(path.join('shared', 'directory', 'userWorkbookExport.ts'));
    expect(loaded.filter((file) => file.includes(`node_modules${path.sep}exceljs${path.sep}`))).toEqual([]);
  });
});
