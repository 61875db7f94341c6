/**
 * Sizes of the fault suite. `npm test` runs it small; `npm run test:faults` sets FAULT_ROWS
 * (and FAULT_OUTAGE_SECONDS) for larger files and longer outages.
 */
export const FAULT_ROWS = Number(process.env.FAULT_ROWS ?? 2000);
export const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_SECONDS ?? 4) * 1000;
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
