/**
 * Load in the production shape (issue 20): MongoDB in its own process, `node dist/api/main.js`
 * and `node dist/worker/main.js` with the production Node options, clients on loopback only.
 * Four scenarios, each bounded in count and time, each printing its figures and the bound it is
 * held to:
 * 1. 50 clients poll an import's status every 250 ms during a 100,000-row import: p50/p99 latency;
 * 2. 8 concurrent 20,000-row uploads: all complete, with exact counts;
 * 3. 20 clients read export.csv at about 50 KB/s for 10 s, then hang up, while /healthz is probed
 *    every 100 ms: its p99, the API's RSS growth, and what each reader was answered;
 * 4. 500 tiny uploads from 10 clients (a 429 waits its Retry-After and sends again): all complete.
 * Run: npm run bench:load [-- rowsToPoll]. Figures only, no assertions: the machine is shared.
 */
import http from 'node:http';
import { currentRssMb, peakRssMb, startBenchStack, uploadCsv, waitForImport, type BenchStack } from './benchProcesses';

const POLL_ROWS = Number(process.argv[2] ?? 100_000);
const UPLOADS = 8;
const UPLOAD_ROWS = 20_000;
const SLOW_READERS = 20;
const TINY_UPLOADS = 500;
const TINY_CLIENTS = 10;

const csv = (prefix: string, rows: number) => `Email,Username,First Name\n${Array.from({ length: rows }, (_, i) => `${prefix}${i}@example.com,${prefix}${i},Load`).join('\n')}\n`;

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

const verdict = (held: boolean) => (held ? 'held' : 'NOT HELD');
const ms = (value: number) => `${value.toFixed(0)} ms`;

async function main() {
  const stack = await startBenchStack({ WORKER_CONCURRENCY: '2' });
  const worker = stack.startWorker();
  try {
    await pollingDuringImport(stack);
    await concurrentUploads(stack);
    await slowExportReaders(stack);
    await tinyUploads(stack);
    console.log(`peak RSS: api ${peakRssMb(stack.api)} MB, worker ${peakRssMb(worker)} MB`);
  } catch (error) {
    // Said before stopping: the API drains the requests still in flight before it exits.
    console.error('the load bench stopped:', error);
    throw error;
  } finally {
    await stack.stop();
  }
}

async function pollingDuringImport({ call }: BenchStack) {
  const id = await uploadCsv(call, csv('poll', POLL_ROWS), 'poll.csv');
  const latencies: number[] = [];
  let errors = 0;
  let done = false;
  const client = async () => {
    while (!done) {
      const started = performance.now();
      try {
        const view = (await (await call(`/api/imports/${id}`)).json()) as { status: string };
        if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(view.status)) done = true;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 50 }, client));
  const p99 = percentile(latencies, 0.99);
  console.log(`1. 50 clients polling every 250 ms during a ${POLL_ROWS}-row import (${((Date.now() - started) / 1000).toFixed(1)} s): ${latencies.length} polls, p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(p99)}, ${errors} errors; bound p99 < 250 ms: ${verdict(p99 < 250 && errors === 0)}`);
}

async function concurrentUploads({ call }: BenchStack) {
  const started = Date.now();
  let refused = 0;
  const views = await Promise.all(Array.from({ length: UPLOADS }, async (_, index) => waitForImport(call, await uploadCsv(call, csv(`up${index}x`, UPLOAD_ROWS), `up${index}.csv`, {}, () => (refused += 1)))));
  const seconds = (Date.now() - started) / 1000;
  const exact = views.filter((view) => view.status === 'completed' && view.counts.created === UPLOAD_ROWS && view.counts.failed === 0).length;
  console.log(`2. ${UPLOADS} concurrent ${UPLOAD_ROWS}-row uploads: ${exact} of ${UPLOADS} completed exactly in ${seconds.toFixed(1)} s (${Math.round((UPLOADS * UPLOAD_ROWS) / seconds)} rows/s), ${refused} uploads answered 429 and sent again after Retry-After; bound all exact: ${verdict(exact === UPLOADS)}`);
}

/** Reads export.csv at `bytesPerSecond` for `forMs`, then hangs up; resolves with what it was answered. */
function slowRead(base: string, key: string, bytesPerSecond: number, forMs: number): Promise<{ status: number; bytes: number; retryAfter?: string }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const request = http.get(`${base}/api/users/export.csv`, { headers: { authorization: `Bearer ${key}` } }, (response) => {
      const answer = () => ({ status: response.statusCode ?? 0, bytes, retryAfter: response.headers['retry-after'] as string | undefined });
      const stop = setTimeout(() => {
        request.destroy();
        resolve(answer());
      }, forMs);
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        response.pause();
        setTimeout(() => response.resume(), (chunk.length / bytesPerSecond) * 1000);
      });
      response.on('end', () => {
        clearTimeout(stop);
        resolve(answer());
      });
      response.on('error', () => undefined);
    });
    request.on('error', () => resolve({ status: 0, bytes }));
  });
}

async function slowExportReaders(stack: BenchStack) {
  const rssBefore = Number(currentRssMb(stack.api));
  let peak = rssBefore;
  const latencies: number[] = [];
  let probing = true;
  let failures = 0;
  const probe = (async () => {
    while (probing) {
      const started = performance.now();
      const ok = await fetch(`${stack.base}/healthz`).then((response) => response.ok, () => false);
      if (!ok) failures += 1;
      latencies.push(performance.now() - started);
      peak = Math.max(peak, Number(currentRssMb(stack.api)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const readers = await Promise.all(Array.from({ length: SLOW_READERS }, () => slowRead(stack.base, 'bench-admin-key', 50 * 1024, 10_000)));
  // A reader that hung up must free its export: the RSS a few seconds later says whether it did.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  probing = false;
  await probe;
  const byStatus = new Map<number, number>();
  for (const reader of readers) byStatus.set(reader.status, (byStatus.get(reader.status) ?? 0) + 1);
  const p99 = percentile(latencies, 0.99);
  const growth = peak - rssBefore;
  const alive = await fetch(`${stack.base}/healthz`).then((response) => response.ok, () => false);
  console.log(
    `3. ${SLOW_READERS} readers of export.csv at 50 KB/s for 10 s: answered ${[...byStatus].map(([status, count]) => `${count}× ${status}`).join(', ')}` +
      ` (Retry-After ${readers.find((reader) => reader.retryAfter)?.retryAfter ?? '-'}); /healthz p99 ${ms(p99)}, ${failures} failed probes; API RSS ${rssBefore} → peak ${peak} MB (+${growth}), ${currentRssMb(stack.api)} MB after;` +
      ` API alive after: ${alive}; bounds p99 < 250 ms and RSS within +100 MB: ${verdict(p99 < 250 && failures === 0 && growth <= 100 && alive)}`,
  );
}

async function tinyUploads({ base }: BenchStack) {
  const started = Date.now();
  const statuses = new Map<number, number>();
  const ids: string[] = [];
  let next = 0;
  const client = async () => {
    for (let index = next++; index < TINY_UPLOADS; index = next++) {
      for (;;) {
        const form = new FormData();
        form.append('file', new Blob([`Email,Username\ntiny${index}@example.com,tiny${index}\n`], { type: 'text/csv' }), `tiny${index}.csv`);
        const response = await fetch(`${base}/api/imports`, { method: 'POST', body: form, headers: { authorization: 'Bearer bench-admin-key' } });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { id?: string };
        if (response.status === 202 && body.id) {
          ids.push(body.id);
          break;
        }
        if (response.status !== 429) break;
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
      }
    }
  };
  await Promise.all(Array.from({ length: TINY_CLIENTS }, client));
  const call = (route: string) => fetch(base + route, { headers: { authorization: 'Bearer bench-admin-key' } });
  let completed = 0;
  for (const id of ids) {
    for (;;) {
      const view = (await (await call(`/api/imports/${id}`)).json()) as { status: string; counts: { created: number } };
      if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(view.status)) {
        if (view.status === 'completed' && view.counts.created === 1) completed += 1;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  console.log(
    `4. ${TINY_UPLOADS} tiny uploads from ${TINY_CLIENTS} clients: answered ${[...statuses].map(([status, count]) => `${count}× ${status}`).join(', ')}; ${completed} of ${TINY_UPLOADS} imports completed in ${((Date.now() - started) / 1000).toFixed(1)} s; bound all complete: ${verdict(completed === TINY_UPLOADS)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
