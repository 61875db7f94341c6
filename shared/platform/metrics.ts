import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

/**
 * XML inflated out of uploaded workbooks. Reading a workbook costs this, not its upload size:
 * a sheet stores ten to thirty times smaller than it reads, and a refused zip bomb adds next to nothing.
 */
export const workbookBytesInflated = new Counter({
  name: 'workbook_bytes_inflated_total',
  help: 'Bytes of XML inflated out of uploaded .xlsx workbooks (door checks, imports)',
  registers: [metricsRegistry],
});

/**
 * The longest the event loop has been blocked since the process started. prom-client's
 * default `nodejs_eventloop_lag_max_seconds` resets at every scrape; this one does not, so a
 * stall between scrapes (the kind that makes BullMQ think a worker died) is never missed.
 */
const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
eventLoopDelay.enable();

export function eventLoopDelayPeakMs(): number {
  return eventLoopDelay.max / 1e6;
}

new Gauge({
  name: 'event_loop_delay_peak_seconds',
  help: 'Longest event-loop delay since the process started (perf_hooks.monitorEventLoopDelay)',
  registers: [metricsRegistry],
  collect() {
    this.set(eventLoopDelayPeakMs() / 1000);
  },
});
