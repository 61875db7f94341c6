/**
 * A worker that cannot reach MongoDB for long does no work however long it lives: its /healthz
 * says so, with the reason, so an orchestrator restarts it (issue 20); once MongoDB is back it
 * is healthy again by itself.
 */
import { freePort } from '../../scripts/embedded/embeddedRedis';
import { startTestService, type TestService } from '../support/testService';
import { startMongoProxy, type TcpProxy } from '../support/tcpProxy';
import { startWorkerProcess, stopServiceProcesses } from '../support/workerProcess';

let proxy: TcpProxy;
let service: TestService;
beforeAll(async () => {
  proxy = await startMongoProxy();
  service = await startTestService();
});
afterAll(async () => {
  await stopServiceProcesses();
  await service.stop();
  await proxy.close();
});

async function healthOf(port: number): Promise<{ status: number; body: { status: string; reason?: string } } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
  } catch {
    return undefined;
  }
}

async function healthWhen(port: number, wanted: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await healthOf(port);
    if (health?.status === wanted) return health;
    if (Date.now() > deadline) throw new Error(`/healthz still ${JSON.stringify(health)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("a worker's health", () => {
  test('When the worker cannot reach MongoDB for longer than WORKER_UNHEALTHY_AFTER_SECONDS, then /healthz answers 503 saying so, and 200 again once it can', async () => {
    const port = await freePort();
    startWorkerProcess(service, {
      MONGO_URL: proxy.rewrite(`${process.env.MONGO_URL}${service.dbName}`),
      WORKER_METRICS_PORT: String(port),
      WORKER_UNHEALTHY_AFTER_SECONDS: '2',
    });
    expect((await healthWhen(port, 200, 30_000)).body).toEqual({ status: 'ok' });

    proxy.cut();
    // A report every 10 s, which fails after the driver's 10 s server selection; then 2 s more.
    const unhealthy = await healthWhen(port, 503, 40_000);
    expect(unhealthy.body).toEqual({ status: 'unhealthy', reason: expect.stringMatching(/^MongoDB has not been reachable for \d+ s \(.+\)$/) });

    proxy.restore();
    expect((await healthWhen(port, 200, 40_000)).body).toEqual({ status: 'ok' });
  }, 120_000);
});
