/**
 * What the conformance suite cannot see through the driver: raw wire framing, moreToCome,
 * the legacy OP_QUERY handshake, idle cursor reaping and TTL expiry. These talk to the
 * server directly and so run only against it.
 */
import net from 'node:net';
import { BSON, Long, type Document } from 'bson';
import { startMongoWireServer, type MongoWireServer } from '.';
import { CURSOR_IDLE_TIMEOUT_MS, CursorRegistry } from './cursors';
import { OP_MSG, OP_QUERY, OP_REPLY } from './protocol';
import { Store } from './store';
import { expireTtlDocuments } from './ttl';

let server: MongoWireServer;
let socket: net.Socket;
let received = Buffer.alloc(0);
let nextRequestId = 100;

beforeAll(async () => {
  server = await startMongoWireServer({ port: 0 });
  socket = net.connect(server.port, '127.0.0.1');
  socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])));
  await new Promise((resolve) => socket.once('connect', resolve));
});

afterAll(async () => {
  socket.destroy();
  await server.stop();
});

function frame(opCode: number, payload: Buffer): { requestId: number; bytes: Buffer } {
  const requestId = nextRequestId++;
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(opCode, 12);
  return { requestId, bytes: Buffer.concat([header, payload]) };
}

function opMsg(body: Document, options: { flags?: number; sequences?: Record<string, Document[]> } = {}) {
  const parts: Buffer[] = [Buffer.alloc(4), Buffer.from([0]), Buffer.from(BSON.serialize(body))];
  parts[0].writeUInt32LE(options.flags ?? 0, 0);
  for (const [identifier, documents] of Object.entries(options.sequences ?? {})) {
    const content = Buffer.concat([Buffer.from(`${identifier}\0`), ...documents.map((doc) => Buffer.from(BSON.serialize(doc)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + content.length, 0);
    parts.push(Buffer.from([1]), size, content);
  }
  return frame(OP_MSG, Buffer.concat(parts));
}

async function nextReply(): Promise<{ responseTo: number; opCode: number; body: Document }> {
  const deadline = Date.now() + 2000;
  while (received.length < 4 || received.length < received.readInt32LE(0)) {
    if (Date.now() > deadline) throw new Error('no reply from server');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const message = received.subarray(0, received.readInt32LE(0));
  received = received.subarray(message.length);
  const opCode = message.readInt32LE(12);
  const bodyStart = opCode === OP_REPLY ? 16 + 20 : 16 + 5;
  return { responseTo: message.readInt32LE(8), opCode, body: BSON.deserialize(message.subarray(bodyStart)) };
}

describe('wire protocol', () => {
  test('the legacy OP_QUERY isMaster handshake is answered with an OP_REPLY', async () => {
    const query = Buffer.concat([Buffer.alloc(4), Buffer.from('admin.$cmd\0'), Buffer.alloc(8), Buffer.from(BSON.serialize({ isMaster: 1, helloOk: true }))]);
    const request = frame(OP_QUERY, query);
    socket.write(request.bytes);
    const reply = await nextReply();
    expect(reply.opCode).toBe(OP_REPLY);
    expect(reply.responseTo).toBe(request.requestId);
    expect(reply.body).toMatchObject({ ismaster: true, helloOk: true, ok: 1 });
  });

  test('kind-1 document sequences carry the documents of an insert', async () => {
    const request = opMsg({ insert: 'seq', $db: 'wire' }, { sequences: { documents: [{ _id: 1 }, { _id: 2 }] } });
    socket.write(request.bytes);
    const reply = await nextReply();
    expect(reply.responseTo).toBe(request.requestId);
    expect(reply.body).toEqual({ n: 2, ok: 1 });
  });

  test('a message with moreToCome gets no reply, and the next command is answered in turn', async () => {
    socket.write(opMsg({ insert: 'quiet', documents: [{ _id: 1 }], writeConcern: { w: 0 }, $db: 'wire' }, { flags: 1 << 1 }).bytes);
    const ping = opMsg({ count: 'quiet', $db: 'wire' });
    // Split across TCP writes to exercise reassembly of partial messages.
    socket.write(ping.bytes.subarray(0, 7));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(ping.bytes.subarray(7));
    const reply = await nextReply();
    expect(reply.responseTo).toBe(ping.requestId);
    expect(reply.body).toEqual({ n: 1, ok: 1 });
  });

  test('an unknown opcode is refused without closing the connection', async () => {
    socket.write(frame(2010, Buffer.alloc(8)).bytes);
    expect((await nextReply()).body).toMatchObject({ ok: 0 });
    socket.write(opMsg({ ping: 1, $db: 'admin' }).bytes);
    expect((await nextReply()).body).toEqual({ ok: 1 });
  });
});

describe('housekeeping', () => {
  test('cursors idle longer than the timeout are reaped', () => {
    const registry = new CursorRegistry();
    const reply = registry.firstBatch('db.c', [{ a: 1 }, { a: 2 }][Symbol.iterator](), { batchSize: 1 });
    expect(registry.size).toBe(1);
    registry.reapIdle(Date.now() + CURSOR_IDLE_TIMEOUT_MS - 1000);
    expect(registry.size).toBe(1);
    registry.reapIdle(Date.now() + CURSOR_IDLE_TIMEOUT_MS + 1000);
    expect(registry.size).toBe(0);
    expect(() => registry.getMore(reply.cursor.id as Long, 'c', 'db', undefined)).toThrow(/not found/);
  });

  test('a TTL index removes documents whose date is older than expireAfterSeconds', () => {
    const store = new Store();
    const sessions = store.ensureCollection('db', 'sessions');
    sessions.createIndex({ v: 2, key: { lastSeen: 1 }, name: 'lastSeen_1', expireAfterSeconds: 60 });
    const now = Date.now();
    sessions.insert({ _id: 'old', lastSeen: new Date(now - 120_000) });
    sessions.insert({ _id: 'fresh', lastSeen: new Date(now - 10_000) });
    sessions.insert({ _id: 'undated', lastSeen: 'yesterday' });
    expect(expireTtlDocuments(store, now)).toBe(1);
    expect([...sessions.docs.values()].map((doc) => doc._id)).toEqual(['fresh', 'undated']);
  });
});
