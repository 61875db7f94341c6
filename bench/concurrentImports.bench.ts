/**
 * Several imports at once: N files of R rows (distinct users) uploaded together to 2 worker
 * processes, against the same N imports run one after another on 1 worker, on the same stack.
 * Prints both totals and their ratio, and how live the progress figures stayed: the longest
 * time any running import's processed count went without moving, as the page polls it.
 * Run: npm run bench:concurrent -- [imports] [rows]. Figures only, no assertions.
 */
import { exited, startBenchStack, uploadCsv, waitForImport, type BenchStack, type ImportView } from './benchProcesses';

const IMPORTS = Number(process.argv[2] ?? 4);
const ROWS = Number(process.argv[3] ?? 100_000);

async function main() {
  const stack = await startBenchStack();
  try {
    console.log(`${IMPORTS} imports of ${ROWS} rows each`);
    const one = stack.startWorker();
    const sequentialStarted = Date.now();
    for (let i = 0; i < IMPORTS; i++) {
      const view = await waitForImport(stack.call, await uploadCsv(stack.call, buildCsv(`seq${i}_`)));
      if (view.counts.created !== ROWS) throw new Error(`sequential import ${i} ended ${JSON.stringify(view)}`);
    }
    const sequentialSeconds = (Date.now() - sequentialStarted) / 1000;
    console.log(`one after another, 1 worker: ${sequentialSeconds.toFixed(1)} s (${Math.round((IMPORTS * ROWS) / sequentialSeconds)} rows/s)`);
    one.kill('SIGTERM');
    await exited(one);

    stack.startWorker();
    stack.startWorker();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const files = Array.from({ length: IMPORTS }, (_, i) => buildCsv(`par${i}_`));
    const together = Date.now();
    const ids = await Promise.all(files.map((csv, i) => uploadCsv(stack.call, csv, `import-${i}.csv`)));
    const staleness = await Promise.all(ids.map((id) => watchProgress(stack, id)));
    const togetherSeconds = (Date.now() - together) / 1000;
    console.log(`together, 2 workers: ${togetherSeconds.toFixed(1)} s (${Math.round((IMPORTS * ROWS) / togetherSeconds)} rows/s): ${(togetherSeconds / sequentialSeconds).toFixed(2)} × one after another`);
    for (const [i, watched] of staleness.entries()) {
      console.log(`  import ${i}: ${watched.view.status} ${JSON.stringify(watched.view.counts)}; ran ${watched.ranSeconds.toFixed(1)} s; progress never stood still longer than ${watched.longestStillSeconds.toFixed(1)} s while running`);
    }
  } finally {
    await stack.stop();
  }
}

/** Polls like the admin page (every second) and notes the longest stretch without progress. */
async function watchProgress(stack: BenchStack, id: string): Promise<{ view: ImportView; ranSeconds: number; longestStillSeconds: number }> {
  let lastProcessed = -1;
  let lastMoved = Date.now();
  let runningSince: number | undefined;
  let longestStill = 0;
  const view = await waitForImport(stack.call, id, (poll) => {
    const now = Date.now();
    if (poll.status !== 'running') return;
    runningSince ??= now;
    if (poll.counts.processed !== lastProcessed) {
      lastProcessed = poll.counts.processed;
      lastMoved = now;
    } else {
      longestStill = Math.max(longestStill, now - Math.max(lastMoved, runningSince));
    }
  }, 1000);
  return { view, ranSeconds: (Date.now() - (runningSince ?? Date.now())) / 1000, longestStillSeconds: longestStill / 1000 };
}

function buildCsv(prefix: string): string {
  const lines = ['Email,Username,First Name,Last Name,Roles,External ID'];
  for (let i = 0; i < ROWS; i++) lines.push(`${prefix}${i}@example.com,${prefix}${i},First ${i},Last ${i},${i % 3 ? '' : 'Reviewer'},${i % 4 ? '' : `${prefix}X${i}`}`);
  return `${lines.join('\r\n')}\r\n`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
