import net from 'node:net';
import { once } from 'node:events';
import { MongoNetworkError } from 'mongodb';

// patches/mongodb+7.8.0.patch (applied by `npm ci` through patch-package): the driver's
// Connection waited for 'drain' after a write that a destroyed socket had discarded, and a
// destroyed socket never emits it. The server monitor's heartbeat then never ended, the server
// stayed Unknown and its pool paused, and every operation failed server selection until the
// process restarted (test/faults/workerOutage). These tests drive the driver's own Connection
// (an internal class, hence the deep require) into both waits and expect an error, not a hang.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Connection } = require('mongodb/lib/cmap/connection');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MongoDBNamespace } = require('mongodb/lib/utils');

const ADMIN = MongoDBNamespace.fromString('admin.$cmd');
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

async function serve(onConnection: (socket: net.Socket) => void): Promise<net.Socket> {
  const server = net.createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** What a command came to within `ms`: its error, 'answered', or 'still waiting'. */
function outcomeWithin(command: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)));
  return Promise.race([command.then(() => 'answered', (error: unknown) => error), waited]).finally(() => clearTimeout(timer));
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('the MongoDB driver writing to a connection that has just been closed', () => {
  test('When the peer closed the connection and the socket destroyed itself, but its close event has not run yet, then a command fails at once with a network error', async () => {
    const socket = await serve((peer) => peer.end());
    const connection = new Connection(socket, { id: 1, generation: 0 });
    // After the peer's FIN the socket ends and destroys itself in libuv's poll phase; its 'close'
    // event, which marks the connection closed, comes in the close phase after setImmediate's.
    await new Promise<void>((resolve) => {
      const poll = () => (socket.destroyed ? resolve() : setImmediate(poll));
      poll();
    });
    expect(connection.closed).toBe(false);

    const outcome = await outcomeWithin(connection.command(ADMIN, { ping: 1 }), 2000);
    expect(outcome).toBeInstanceOf(MongoNetworkError);
    expect(connection.closed).toBe(true);
  });

  test('When a write waits for the socket to drain and the connection is closed meanwhile, then the command fails instead of waiting for ever', async () => {
    // A peer that never reads: the kernel's buffers fill and the write waits for 'drain'.
    const socket = await serve((peer) => peer.pause());
    const connection = new Connection(socket, { id: 2, generation: 0 });
    const command = connection.command(ADMIN, { ping: 1, padding: 'x'.repeat(12 * 1024 * 1024) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket.writableLength).toBeGreaterThan(0);
    connection.destroy();

    const outcome = await outcomeWithin(command, 2000);
    expect(outcome).toBeInstanceOf(MongoNetworkError);
  });
});
