/**
 * Import and export at scale, with MongoDB, API and worker as separate processes as in
 * production (bench/benchProcesses.ts). In one run it prints: the raw floor (bench/rawFloor.ts:
 * papaparse + insertMany on the same file, indexes and MongoDB, in its own process), the
 * import's time and its ratio to the floor, the time per 1,000 rows at the start and at the end
 * of the apply pass, the change records the import wrote, each process's peak RSS (VmHWM), the
 * worker's peak event-loop delay, each export's (CSV, then Excel workbook) rows/s and the
 * API's peak RSS during it, and then each export uploaded back unchanged (from the CSV, from
 * the workbook, and from the workbook as Excel saves it, with shared strings): its time, its
 * ratio to the CSV's, and the worker's and API's peak RSS; last, two zip bombs (2 GiB from 2 MB,
 * size declared or not) at the door: the time to the refusal and the API's peak RSS, next to an
 * upload of the same size refused for its columns.
 * Run: npm run bench -- [rows]
 * Figures only, no assertions: this machine is shared and noisy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { MongoClient, ObjectId } from 'mongodb';
import { zipBomb } from '../test/support/workbookFiles';
import { withDatabase } from './benchHttp';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { BENCH_ADMIN_KEY, COMPILED, currentRssMb, peakRssMb, startBenchStack, uploadCsv, uploadFile, waitForImport } from './benchProcesses';

const ROWS = Number(process.argv[2] ?? 100_000);
const ROOT = path.join(__dirname, '..');

async function main() {
  const stack = await startBenchStack();
  const { call, api } = stack;
  const csv = buildCsv(ROWS);
  const csvFile = path.join(tmpdir(), `bench-${process.pid}.csv`);
  writeFileSync(csvFile, csv);
  const probeFile = path.join(tmpdir(), `event-loop-${process.pid}`);
  const worker = stack.startWorker(['--import', path.join(__dirname, 'eventLoopProbe.mjs')], { EVENT_LOOP_PROBE_FILE: probeFile });
  try {
    console.log(`file: ${ROWS} rows, ${(csv.length / 1024 / 1024).toFixed(1)} MB; processes run ${COMPILED ? 'compiled JavaScript (dist/)' : 'TypeScript under tsx'}`);
    const floor = await runFloor(withDatabase(stack.services.mongo.uri, `floor_${Date.now()}`), csvFile);
    console.log(`floor (papaparse streamed + insertMany 1,000 at a time, own process): ${floor.seconds.toFixed(1)} s (${Math.round(floor.rows / floor.seconds)} rows/s)`);
    // The import also writes a change record per row: the same documents, written the raw way.
    const recordsFloor = await runFloor(withDatabase(stack.services.mongo.uri, `floor_records_${Date.now()}`), csvFile, ['--change-records']);
    console.log(`floor with change records (the same, plus one record per row): ${recordsFloor.seconds.toFixed(1)} s (${Math.round(recordsFloor.rows / recordsFloor.seconds)} rows/s)`);
    await call('/api/groups', { method: 'POST', body: JSON.stringify({ name: 'Marketing' }), headers: { 'content-type': 'application/json' } });

    const workerIdleRss = currentRssMb(worker);
    worker.kill('SIGUSR2');
    const started = Date.now();
    const id = await uploadCsv(call, csv);
    const uploadSeconds = (Date.now() - started) / 1000;
    const apiPeakAfterUpload = peakRssMb(api);
    const samples: { at: number; processed: number }[] = [];
    let runningAt: number | undefined;
    const view = await waitForImport(call, id, (poll) => {
      samples.push({ at: Date.now(), processed: poll.counts?.processed ?? 0 });
      if (poll.status !== 'queued' && poll.status !== 'validating') runningAt ??= Date.now();
    });
    const importSeconds = (Date.now() - started) / 1000;
    console.log(`upload: ${uploadSeconds.toFixed(1)} s; api peak RSS after the upload: ${apiPeakAfterUpload} MB`);
    console.log(`import: ${view.status} in ${importSeconds.toFixed(1)} s (${Math.round(ROWS / importSeconds)} rows/s), counts ${JSON.stringify(view.counts)}`);
    console.log(`import ÷ floor: ${(importSeconds / floor.seconds).toFixed(2)}; import ÷ floor with change records: ${(importSeconds / recordsFloor.seconds).toFixed(2)}; upload and validation pass until about ${(((runningAt ?? Date.now()) - started) / 1000).toFixed(1)} s, then the apply pass`);
    console.log(`apply pass, ms per 1,000 rows: ${describeRates(samples, ROWS)}`);
    console.log(`change records written: ${await changeRecordCount(stack.env.MONGO_URL as string, id)} (one per created or updated row, in the import's time above)`);
    console.log(`worker peak RSS during import: ${peakRssMb(worker)} MB (${workerIdleRss} MB idle before the upload)`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    console.log(`worker event-loop delay peak during import: ${Number(readFileSync(probeFile, 'utf8')).toFixed(0)} ms`);

    const exported: Record<string, Buffer> = {};
    for (const file of ['export.csv', 'export.xlsx']) {
      // Each export's peak is its own: the workbook's is not hidden under the CSV's or the upload's.
      const apiPeakBefore = resetPeakRss(api) ? `${currentRssMb(api)} MB at the start (peak reset)` : `${peakRssMb(api)} MB before`;
      const exportStarted = Date.now();
      const response = await call(`/api/users/${file}`);
      const parts: Buffer[] = [];
      for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) parts.push(Buffer.from(part));
      exported[file] = Buffer.concat(parts);
      const exportSeconds = (Date.now() - exportStarted) / 1000;
      console.log(`${file}: ${(exported[file].length / 1024 / 1024).toFixed(1)} MB in ${exportSeconds.toFixed(1)} s (${Math.round(ROWS / exportSeconds)} rows/s)`);
      console.log(`api peak RSS during ${file}: ${peakRssMb(api)} MB (${apiPeakBefore})`);
    }

    // The exports uploaded back unchanged: the same rows, read from a CSV, from our workbook
    // (inline strings) and from the workbook as Excel saves it (shared strings).
    const uploads: [string, Buffer][] = [
      ['users.csv', exported['export.csv']],
      ['users.xlsx', exported['export.xlsx']],
      ['users-excel.xlsx', await withSharedStrings(exported['export.csv'])],
    ];
    let csvSeconds = 0;
    for (const [name, bytes] of uploads) {
      const apiPeakBefore = resetPeakRss(api) ? '' : ' (peak not reset)';
      const workerPeakBefore = resetPeakRss(worker) ? '' : ' (peak not reset)';
      const uploadStarted = Date.now();
      const reuploadId = await uploadFile(call, bytes, name);
      const reupload = await waitForImport(call, reuploadId);
      const seconds = (Date.now() - uploadStarted) / 1000;
      if (name === 'users.csv') csvSeconds = seconds;
      const ratio = name === 'users.csv' ? '' : `, ${(seconds / csvSeconds).toFixed(2)} × the CSV`;
      console.log(
        `import of the export from ${name} (${(bytes.length / 1024 / 1024).toFixed(1)} MB): ${reupload.status} in ${seconds.toFixed(1)} s (${Math.round(ROWS / seconds)} rows/s${ratio}), ` +
          `counts ${JSON.stringify(reupload.counts)}; peak RSS: worker ${peakRssMb(worker)} MB${workerPeakBefore}, api ${peakRssMb(api)} MB${apiPeakBefore}`,
      );
    }

    // Zip bombs at the door: the time to the refusal and what it costs the API, against an
    // ordinary upload of the same size refused for its columns (the floor: receiving and storing it).
    const floorBytes = Buffer.concat([Buffer.from('Shoe size\n'), Buffer.alloc(2_088_000, 'x\n')]);
    const door = async (name: string, bytes: Buffer) => {
      const peakBefore = resetPeakRss(api) ? `${currentRssMb(api)} MB at the start` : `${peakRssMb(api)} MB before (peak not reset)`;
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      const doorStarted = performance.now();
      // Not `call`, which throws on a refusal: here the refusal is the result.
      const response = await fetch(`${stack.base}/api/imports`, { method: 'POST', body: form, headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } });
      const body = (await response.json()) as { error?: { code?: string } };
      const ms = performance.now() - doorStarted;
      console.log(`door: ${name} (${(bytes.length / 2 ** 20).toFixed(1)} MB) answered ${response.status} ${body.error?.code} in ${ms.toFixed(0)} ms; api peak RSS ${peakRssMb(api)} MB (${peakBefore})`);
    };
    await door('floor.csv', floorBytes);
    await door('bomb-declared.xlsx', await zipBomb({ declaredHonestly: true }));
    await door('bomb-lying.xlsx', await zipBomb({ declaredHonestly: false }));
  } finally {
    rmSync(csvFile, { force: true });
    await stack.stop();
  }
}

/** Restarts the process's peak RSS (VmHWM) from its current RSS; false where the kernel does not allow it. */
function resetPeakRss(child: ChildProcess): boolean {
  try {
    writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

async function changeRecordCount(mongoUrl: string, importId: string): Promise<number> {
  const client = await MongoClient.connect(mongoUrl);
  try {
    return await client.db().collection('importchanges').countDocuments({ importId: new ObjectId(importId) });
  } finally {
    await client.close();
  }
}

/** The floor in its own process, so that its client work does not share a core with ours. */
function runFloor(mongoUrl: string, csvFile: string, flags: string[] = []): Promise<{ rows: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'rawFloor.ts'), mongoUrl, csvFile, ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (part: Buffer) => (output += part.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim().split('\n').pop() ?? '{}')) : reject(new Error(`the floor exited with ${code}`))));
  });
}

/** Time per 1,000 rows over the first and the last tenth of the apply pass, from the polls. */
function describeRates(samples: { at: number; processed: number }[], total: number): string {
  const crossing = (rows: number) => samples.find((sample) => sample.processed >= rows);
  const rate = (from: number, to: number) => {
    const start = crossing(from);
    const end = crossing(to);
    if (!start || !end || end.processed === start.processed) return undefined;
    return ((end.at - start.at) / (end.processed - start.processed)) * 1000;
  };
  const first = rate(1, total * 0.1);
  const last = rate(total * 0.9, total);
  if (first === undefined || last === undefined) return 'too few polls to tell (the import was too quick)';
  return `first tenth ${first.toFixed(0)}, last tenth ${last.toFixed(0)} (last ÷ first ${(last / first).toFixed(2)})`;
}

/** The CSV's rows as Excel saves a workbook: a shared-strings table, one entry per distinct text. */
async function withSharedStrings(csv: Buffer): Promise<Buffer> {
  const rows = Papa.parse<string[]>(csv.toString('utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
  const chunks: Buffer[] = [];
  const output = new PassThrough();
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: true });
  const sheet = workbook.addWorksheet('Users');
  for (const row of rows) sheet.addRow(row.map((cell) => (cell === '' ? null : cell))).commit();
  sheet.commit();
  await workbook.commit();
  return Buffer.concat(chunks);
}

function buildCsv(rows: number): string {
  const lines = ['Email,Username,First Name,Last Name,User groups,Roles,External ID'];
  for (let i = 0; i < rows; i++) lines.push(`u${i}@example.com,u${i},First ${i},Last ${i},Marketing,${i % 3 ? '' : 'Reviewer'},${i % 4 ? '' : `X${i}`}`);
  return `${lines.join('\r\n')}\r\n`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
