import net from 'node:net';
import type { Document } from 'bson';
import { runCommand, type CommandContext, type ConnectionInfo } from './commands';
import { CursorRegistry } from './cursors';
import { CommandError } from './errors';
import {
  MessageFramer, OP_MSG, OP_QUERY, encodeOpMsg, encodeOpReply, parseOpMsg, parseOpQuery, type WireMessage,
} from './protocol';
import { Store } from './store';
import { expireTtlDocuments } from './ttl';

export interface MongoWireServer {
  uri: string;
  port: number;
  stop(): Promise<void>;
}

export interface MongoWireServerOptions {
  host?: string;
  port?: number;
}

/** mongod's TTL monitor runs every 60 seconds; idle cursors are checked on the same beat. */
const HOUSEKEEPING_INTERVAL_MS = 60_000;

/**
 * An in-memory server speaking enough of the MongoDB wire protocol for the real driver and
 * mongoose to run against it. A test double for when no mongod can be had; data lives and
 * dies with the process.
 */
export async function startMongoWireServer(options: MongoWireServerOptions = {}): Promise<MongoWireServer> {
  const host = options.host ?? '127.0.0.1';
  const store = new Store();
  const cursors = new CursorRegistry();
  const sockets = new Set<net.Socket>();
  const startedAt = Date.now();
  let nextConnectionId = 1;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const connection: ConnectionInfo = { id: nextConnectionId++, remoteAddress: `${socket.remoteAddress}:${socket.remotePort}` };
    const framer = new MessageFramer();
    socket.on('data', (chunk: Buffer) => {
      let messages: WireMessage[];
      try {
        messages = framer.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) {
        let reply: Buffer | undefined;
        try {
          reply = handleMessage(message, (database) => ({
            store, cursors, connection, database, startedAt, connectionCount: () => sockets.size,
          }));
        } catch (error) {
          // Undecodable input or an unserialisable reply: answer like mongod rather than crash the host process.
          const detail = error instanceof Error ? error.message : String(error);
          reply = encodeOpMsg(message.requestId, new CommandError(22, 'InvalidBSON', detail).toReply());
        }
        if (reply) socket.write(reply);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const housekeeping = setInterval(() => {
    cursors.reapIdle();
    expireTtlDocuments(store);
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();

  const port = (server.address() as net.AddressInfo).port;
  return {
    uri: `mongodb://${host}:${port}/`,
    port,
    async stop() {
      clearInterval(housekeeping);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers one message; undefined when the client asked for no reply (moreToCome). */
function handleMessage(message: WireMessage, contextFor: (database: string) => CommandContext): Buffer | undefined {
  if (message.opCode === OP_MSG) {
    const { command, moreToCome } = parseOpMsg(message.raw);
    const reply = runCommand(command, contextFor(String(command.$db ?? 'admin')));
    return moreToCome ? undefined : encodeOpMsg(message.requestId, reply);
  }
  if (message.opCode === OP_QUERY) {
    // Only the driver's first handshake still uses OP_QUERY, against `<db>.$cmd`.
    const { fullCollectionName, query } = parseOpQuery(message.raw);
    const command: Document = query.$query ?? query;
    const [database, collection] = splitNamespace(fullCollectionName);
    const reply =
      collection === '$cmd'
        ? runCommand(command, contextFor(database))
        : new CommandError(5739101, 'Location5739101', 'OP_QUERY is no longer supported; use OP_MSG').toReply();
    return encodeOpReply(message.requestId, reply);
  }
  const unsupported = new CommandError(5739101, 'Location5739101', `unsupported wire opcode ${message.opCode}`);
  return encodeOpMsg(message.requestId, unsupported.toReply());
}

function splitNamespace(namespace: string): [string, string] {
  const dot = namespace.indexOf('.');
  return dot < 0 ? [namespace, ''] : [namespace.slice(0, dot), namespace.slice(dot + 1)];
}
