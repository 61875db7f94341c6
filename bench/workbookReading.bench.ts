/**
 * Reading a large workbook, without MongoDB: the rows of a sheet as an import reads them
 * (workbook/workbookRecords.ts over byte ranges of a file, as of an upload in GridFS), for the
 * workbook as this product's export writes it (inline strings) and as Excel saves it (shared
 * strings). Printed next to two floors on the same rows: the CSV of them read by the CSV path
 * (csv/csvRecords.ts), and exceljs's own streaming reader on the same workbook.
 * Run: npm run bench:xlsx -- [rows]   (each part in its own process, so peak RSS is its own)
 * Figures only, no assertions: this machine is shared and noisy.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { readCsvRecords } from '../shared/csv/csvRecords';
import { openWorkbook } from '../shared/workbook/workbookRecords';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const files = {
  csv: path.join(tmpdir(), `bench-users-${ROWS}.csv`),
  inline: path.join(tmpdir(), `bench-users-${ROWS}-inline.xlsx`),
  shared: path.join(tmpdir(), `bench-users-${ROWS}-shared.xlsx`),
};
const HEADER = ['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'External ID'];
const row = (i: number) => [`u${i}@example.com`, `u${i}`, `First ${i}`, `Last ${i}`, 'Marketing', i % 3 ? '' : 'Reviewer', i % 4 ? '' : `X${i}`];

async function buildFiles(): Promise<void> {
  if (!existsSync(files.csv)) {
    const lines = [HEADER.join(',')];
    for (let i = 0; i < ROWS; i++) lines.push(row(i).join(','));
    writeFileSync(files.csv, `${lines.join('\r\n')}\r\n`);
  }
  for (const [file, useSharedStrings] of [[files.inline, false], [files.shared, true]] as const) {
    if (existsSync(file)) continue;
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(file), useSharedStrings });
    const sheet = workbook.addWorksheet('Users');
    sheet.addRow(HEADER).commit();
    for (let i = 0; i < ROWS; i++) sheet.addRow(row(i).map((cell) => cell || null)).commit();
    sheet.commit();
    await workbook.commit();
  }
}

const byteRanges = (file: string) => ({
  size: require('node:fs').statSync(file).size as number,
  openRange: (start: number, end: number) => createReadStream(file, { start, end: end - 1 }),
  isPassingFailure: () => false,
});

/** One way of reading, in this process: rows with content, seconds, peak RSS. */
async function read(way: string): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  let rows = 0;
  if (way === 'csv') {
    for await (const record of readCsvRecords(createReadStream(files.csv), 'utf8', ',')) if (record.cells.length > 1) rows += 1;
  } else if (way === 'exceljs-inline' || way === 'exceljs-shared') {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(way.endsWith('inline') ? files.inline : files.shared, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'emit' });
    for await (const sheet of reader) for await (const _row of sheet) rows += 1;
  } else {
    const workbook = await openWorkbook(byteRanges(way === 'ours-inline' ? files.inline : files.shared));
    for await (const record of workbook.records(workbook.layout.sheets[0])) if (record.cells.length) rows += 1;
    workbook.close();
  }
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ way, rows, seconds, peakRssMb: Math.round(peak / 2 ** 20) }));
}

async function main(): Promise<void> {
  if (process.argv[3]) return read(process.argv[3]);
  await buildFiles();
  const results: Record<string, { rows: number; seconds: number; peakRssMb: number }> = {};
  for (const way of ['csv', 'exceljs-inline', 'exceljs-shared', 'ours-inline', 'ours-shared']) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', __filename, String(ROWS), way], { encoding: 'utf8', maxBuffer: 1 << 20 });
    results[way] = JSON.parse(output.trim().split('\n').pop() ?? '{}');
  }
  const line = (way: string, what: string, floor: string) => {
    const { rows, seconds, peakRssMb } = results[way];
    const ratio = way === floor ? '' : `; ${(seconds / results[floor].seconds).toFixed(2)} × ${floor}`;
    console.log(`${what}: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s${ratio}), peak RSS ${peakRssMb} MB`);
  };
  line('csv', 'floor: the same rows as CSV, read by the CSV path', 'csv');
  line('exceljs-inline', 'floor: exceljs WorkbookReader, inline strings', 'csv');
  line('exceljs-shared', 'floor: exceljs WorkbookReader, shared strings', 'csv');
  line('ours-inline', 'workbook as the export writes it (inline strings)', 'exceljs-inline');
  line('ours-shared', 'workbook as Excel saves it (shared strings)', 'exceljs-shared');
  console.log(`ours ÷ the CSV path: inline ${(results['ours-inline'].seconds / results.csv.seconds).toFixed(2)}, shared ${(results['ours-shared'].seconds / results.csv.seconds).toFixed(2)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
