import { spawn } from 'node:child_process';
import { answersPing, freePort } from '../../scripts/embedded/embeddedRedis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OwnRedis {
  url: string;
  stop(): Promise<void>;
}

/** A redis-server of the test's own, without persistence: FLUSHALL on it loses what a crash would. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await answersPing('127.0.0.1', port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
