/**
 * How long the import's CSV reader takes per shape and size of file (`npm run bench:csv`).
 *
 * For N = 1, 8, 64 MB of three shapes (ordinary user rows, blank lines, one giant quoted cell)
 * it times readCsvRecords over the bytes in 255 KiB chunks (GridFS's chunk size), and, in the
 * same run, a floor: papaparse parsing the same text held whole in memory in one call, the
 * simplest raw way to read it. Work is linear when the time per MB stays flat as N grows.
 */
import Papa from 'papaparse';
import { Readable } from 'node:stream';
import { readCsvRecords } from '../shared/csv/csvRecords';

const SIZES_MB = (process.env.BENCH_CSV_SIZES ?? '1,8,64').split(',').map(Number);
const CHUNK = 255 * 1024;

const SHAPES: Record<string, (bytes: number) => string> = {
  'ordinary rows': (bytes) => {
    const lines: string[] = ['Email,Username,First Name,Last Name,Roles'];
    let length = 0;
    for (let i = 0; length < bytes; i += 1) {
      const line = `user${i}@example.com,user${i},First${i},"Last, ${i}",Learner; Reviewer`;
      lines.push(line);
      length += line.length + 1;
    }
    return `${lines.join('\n')}\n`;
  },
  'blank lines': (bytes) => `Email,Username\na@example.com,a\n${'\n'.repeat(bytes)}`,
  'one giant quoted cell': (bytes) => `Email,Notes\na@example.com,"${'some words of a note\n'.repeat(Math.ceil(bytes / 21))}"\nb@example.com,b\n`,
};

async function timeReader(text: string): Promise<{ ms: number; records: number }> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks = function* () {
    for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
  };
  const started = performance.now();
  let records = 0;
  for await (const _record of readCsvRecords(Readable.from(chunks()), 'utf8', ',')) records += 1;
  return { ms: performance.now() - started, records };
}

function timeFloor(text: string): number {
  const started = performance.now();
  Papa.parse<string[]>(text, { delimiter: ',', newline: '\n' });
  return performance.now() - started;
}

async function main(): Promise<void> {
  console.log(`# CSV reading, ${new Date().toISOString()}, node ${process.version}`);
  console.log('| shape | MB | reader s | reader MB/s | records | floor s (papaparse, whole text) | reader ÷ floor |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [shape, make] of Object.entries(SHAPES)) {
    for (const mb of SIZES_MB) {
      const text = make(mb * 1024 * 1024);
      const reader = await timeReader(text);
      const floor = timeFloor(text);
      const megabytes = Buffer.byteLength(text) / 1024 / 1024;
      console.log(`| ${shape} | ${megabytes.toFixed(0)} | ${(reader.ms / 1000).toFixed(2)} | ${(megabytes / (reader.ms / 1000)).toFixed(1)} | ${reader.records} | ${(floor / 1000).toFixed(2)} | ${(reader.ms / floor).toFixed(2)} |`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
