import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRegistry } from '../shared/platform/metrics';
import { logger } from '../shared/platform/logger';

export interface WorkerMetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker has no API, yet it is the process whose health matters most during an import, and
 * the one that counts the rows: `/metrics` (rows by outcome, event-loop delay, process figures)
 * and `/healthz` for probes.
 */
export async function startWorkerMetricsServer(port: number): Promise<WorkerMetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
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
