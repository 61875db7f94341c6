/**
 * An import where every row sets a password (argon2id): hashing is the physical limit, so this
 * prints rows/s, the hashing's share of the worker's CPU time and of the import's wall time,
 * and the worker's main-thread profile (what is left besides hashing).
 *
 * argon2 runs on libuv's thread pool, which a --cpu-prof profile (main thread only) cannot see.
 * So the share is counted instead: the same rows are imported once without and once with a
 * password, and hashing is the difference in the worker's CPU time (/proc: all threads) and in
 * wall time.
 * Run: npm run bench:passwords -- [rows]. Figures only, no assertions.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPassword } from '../shared/directory/passwordHashing';
import type { ChildProcess } from 'node:child_process';
import { cpuSeconds, exited, startBenchStack, uploadCsv, waitForImport, type BenchStack } from './benchProcesses';
import { profileSummary } from './profileSummary';

const ROWS = Number(process.argv[2] ?? 20_000);

async function main() {
  const perHash = await measureOneHash();
  const cores = os.availableParallelism();
  console.log(`one argon2id hash (OWASP parameters, as the import uses): ${(perHash.wallMs).toFixed(1)} ms wall, ${perHash.cpuMs.toFixed(1)} ms CPU; ${cores} cores`);
  const stack = await startBenchStack();
  const profileDir = mkdtempSync(path.join(tmpdir(), 'bench-passwords-'));
  const worker = stack.startWorker(['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const plain = await measuredImport(stack, worker, buildCsv(ROWS, 'plain', false));
    const hashed = await measuredImport(stack, worker, buildCsv(ROWS, 'hashed', true));
    const hashingCpu = hashed.cpu - plain.cpu;
    const hashingSeconds = hashed.seconds - plain.seconds;
    console.log(`without passwords: ${plain.seconds.toFixed(1)} s (${Math.round(ROWS / plain.seconds)} rows/s), worker CPU ${plain.cpu.toFixed(1)} s`);
    console.log(`with a password on every row: ${hashed.status} in ${hashed.seconds.toFixed(1)} s (${Math.round(ROWS / hashed.seconds)} rows/s), worker CPU ${hashed.cpu.toFixed(1)} s (${(hashed.cpu / hashed.seconds).toFixed(2)} cores busy on average)`);
    console.log(`hashing: ${((hashingCpu / hashed.cpu) * 100).toFixed(1)} % of the worker's CPU time, ${((hashingSeconds / hashed.seconds) * 100).toFixed(1)} % of the import's time; ${(hashingCpu * 1000 / ROWS).toFixed(1)} ms CPU per hashed row`);
    console.log(`${ROWS} hashes measured one by one here, spread perfectly over ${cores} cores: ${((ROWS * perHash.wallMs) / 1000 / cores).toFixed(1)} s`);
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
    await stack.stop();
  }
  const [profile] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  console.log(`worker main thread, top functions by self time (${path.join(profileDir, profile)}):`);
  console.log(profileSummary(path.join(profileDir, profile), 12));
}

/** One import, timed, with the worker's CPU time over it. */
async function measuredImport(stack: BenchStack, worker: ChildProcess, csv: string): Promise<{ seconds: number; cpu: number; status: string }> {
  const cpuBefore = cpuSeconds(worker);
  const started = Date.now();
  const id = await uploadCsv(stack.call, csv);
  const view = await waitForImport(stack.call, id);
  if (view.counts.created !== ROWS) throw new Error(`expected ${ROWS} users created, got ${JSON.stringify(view.counts)}`);
  return { seconds: (Date.now() - started) / 1000, cpu: cpuSeconds(worker) - cpuBefore, status: view.status };
}

/** The cost of one hash with the product's parameters, one at a time, in this process. */
async function measureOneHash(): Promise<{ wallMs: number; cpuMs: number }> {
  await hashPassword('warm-up password');
  const count = 12;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) await hashPassword(`measured password ${i}`);
  const used = process.cpuUsage(cpu);
  return { wallMs: (performance.now() - started) / count, cpuMs: (used.user + used.system) / 1000 / count };
}

function buildCsv(rows: number, prefix: string, withPasswords: boolean): string {
  const lines = ['Email,Username,First Name,Last Name,Password'];
  for (let i = 0; i < rows; i++) lines.push(`${prefix}${i}@example.com,${prefix}${i},First ${i},Last ${i},${withPasswords ? `Initial-${i}-horse` : ''}`);
  return `${lines.join('\r\n')}\r\n`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
