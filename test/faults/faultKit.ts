import type { TestService } from '../support/testService';

/**
 * Sizes and helpers of the fault suite. `npm test` runs it small; `npm run test:faults` sets
 * FAULT_ROWS (and FAULT_OUTAGE_SECONDS) for larger files and longer outages.
 */
export const FAULT_ROWS = Number(process.env.FAULT_ROWS ?? 2000);
export const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_SECONDS ?? 4) * 1000;
/**
 * Imports that also send invitations stay at 5,000 rows in `npm run test:faults` and 800 in
 * `npm test`: every mail goes through the SMTP peer in the test process, a few hundred a second
 * on this machine, and mail speed is not under test; exactly-once is, and eight chunks show it.
 */
export const INVITED_ROWS = Math.min(FAULT_ROWS, process.env.FAULT_SUITE ? 5000 : 800);
/** Rows of the crash tests' files: 2,000 in `npm run test:faults`, 800 (eight chunks of 100) in `npm test`. */
export const CRASH_ROWS = process.env.FAULT_SUITE ? 2000 : 800;
export const CHUNK_SIZE = String(Math.max(100, Math.round(FAULT_ROWS / 20)));
/** Generous: a loaded CI machine, and with FAULT_ROWS in the tens of thousands. */
export const FAULT_TIMEOUT_MS = 120_000 + FAULT_ROWS * 20 + OUTAGE_MS * 4;

/** A file of `rows` new users named `<prefix><n>`, all valid. */
export function usersCsv(prefix: string, rows = FAULT_ROWS): string {
  const lines = ['Email,Username,First Name'];
  for (let i = 0; i < rows; i++) lines.push(`${prefix}${i}@example.com,${prefix}${i},First${i}`);
  return `${lines.join('\n')}\n`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the job until it has processed `rows` rows; fails if it ended before. */
export async function processedAtLeast(service: TestService, id: string, rows: number) {
  for (;;) {
    const job = (await service.asSupport().get(`/api/imports/${id}`)).body;
    if (job.counts.processed >= rows) return job;
    if (!['queued', 'validating', 'running'].includes(job.status)) throw new Error(`the import ended (${job.status}) before row ${rows}`);
    await sleep(20);
  }
}

/** Polls the job until `expected` users are counted as invited, or half the test's time passed. */
export async function invitedCount(service: TestService, id: string, expected: number): Promise<number> {
  const deadline = Date.now() + FAULT_TIMEOUT_MS / 2;
  for (;;) {
    const invited = (await service.asSupport().get(`/api/imports/${id}`)).body.counts.invited as number;
    if (invited >= expected || Date.now() > deadline) return invited;
    await sleep(100);
  }
}
