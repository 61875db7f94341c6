import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRegistry } from '../shared/platform/metrics';
import { logger } from '../shared/platform/logger';
import type { Workers } from './workers';

export interface WorkerMetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker has no API, yet it is the process whose health matters most during an import, and
 * the one that counts the rows: `/metrics` (rows by outcome, event-loop delay, process figures)
 * and `/healthz` for probes, which turns 503 with the reason when MongoDB has been out of reach
 * too long (worker/presence.ts), so that an orchestrator restarts a worker that can do nothing.
 */
export async function startWorkerMetricsServer(port: number, health: Workers['health']): Promise<WorkerMetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      const now = health();
      const body = now.healthy ? { status: 'ok' } : { status: 'unhealthy', reason: now.reason };
      res.writeHead(now.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (req.url === '/metrics') {
      metricsRegistry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, resolve));
  const actual = (server.address() as AddressInfo).port;
  logger.info({ port: actual }, 'worker metrics listening');
  return { port: actual, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
