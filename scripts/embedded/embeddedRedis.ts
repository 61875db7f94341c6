import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface EmbeddedRedis {
  url: string;
  source: 'REDIS_URL' | 'local' | 'spawned redis-server';
  stop(): Promise<void>;
}

interface Options {
  log: (message: string) => void;
  /** The port a local Redis is looked for on before one is spawned. */
  localPort?: number;
}

/** REDIS_URL → 127.0.0.1:6379 when it answers PING → a redis-server spawned from PATH. */
export async function resolveRedis({ log, localPort = 6379 }: Options): Promise<EmbeddedRedis> {
  const url = process.env.REDIS_URL;
  if (url) {
    log(`Redis: using REDIS_URL`);
    return { url, source: 'REDIS_URL', stop: async () => {} };
  }
  if (await answersPing('127.0.0.1', localPort)) {
    log(`Redis: using 127.0.0.1:${localPort}`);
    return { url: `redis://127.0.0.1:${localPort}`, source: 'local', stop: async () => {} };
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitForStart(child, port);
  log(`Redis: spawned redis-server on 127.0.0.1:${port} (pid ${child.pid})`);
  return {
    url: `redis://127.0.0.1:${port}`,
    source: 'spawned redis-server',
    stop: () => stopChild(child),
  };
}

async function waitForStart(child: ChildProcess, port: number): Promise<void> {
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`Redis is not reachable and redis-server could not be started: ${error.message}. Set REDIS_URL or install redis-server.`)),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  });
  const deadline = Date.now() + 10_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      if (await answersPing('127.0.0.1', port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not answer on port ${port} within 10 s`);
  })();
  await Promise.race([ready, failed]);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
