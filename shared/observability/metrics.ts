import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process: the API and the worker each expose what they themselves do. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.025, 0.1, 0.5, 2, 10],
  registers: [metricsRegistry],
});

export const importRowsProcessed = new Counter({
  name: 'import_rows_processed_total',
  help: 'CSV rows applied by import jobs, by outcome',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
