import net from 'node:net';

/**
 * Which client→server messages a fault applies to; `before` drops them unsent, `after` loses the
 * reply, `hold` never forwards the message and keeps the connection open: the process waits on
 * it, at that point, for as long as the test likes (to kill it there).
 */
export interface DropRule {
  matches: (data: Buffer) => boolean;
  when: 'before' | 'after' | 'hold';
  /** Keep dropping every match until `allow()`; otherwise only the first. */
  persistent?: boolean;
}

export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /** Drops every connection and refuses new ones until `restore()`: the database is gone. */
  cut(): void;
  restore(): void;
  /** Resolves when the rule has dropped its first connection. */
  drop(rule: DropRule): Promise<void>;
  /** Ends a persistent drop rule. */
  allow(): void;
  /** Connections dropped so far by cuts and rules. */
  dropped(): number;
  close(): Promise<void>;
}

/** A proxy in front of the tests' MongoDB (MONGO_URL): the road a process takes when the test means to cut it. */
export function startMongoProxy(): Promise<TcpProxy> {
  const mongo = new URL(process.env.MONGO_URL as string);
  return startTcpProxy({ host: mongo.hostname, port: Number(mongo.port) });
}

/**
 * A TCP proxy in front of MongoDB that a test cuts and restores, or that drops the connection
 * carrying one particular command: the faults a network, a restart or a failover cause, on
 * demand, for a real driver talking to a real server.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>();
  let isCut = false;
  let rule: (DropRule & { fired: () => void }) | undefined;
  let droppedCount = 0;

  const kill = (pair: { client: net.Socket; server: net.Socket }) => {
    droppedCount += 1;
    pair.client.destroy();
    pair.server.destroy();
    pairs.delete(pair);
  };

  const proxy = net.createServer((client) => {
    if (isCut) {
      client.destroy();
      droppedCount += 1;
      return;
    }
    const server = net.connect(target);
    const pair = { client, server };
    pairs.add(pair);
    let loseNextReply = false;
    client.on('data', (data) => {
      const current = rule;
      if (current && current.matches(data)) {
        if (!current.persistent) rule = undefined;
        current.fired();
        if (current.when === 'before') {
          kill(pair);
          return;
        }
        if (current.when === 'hold') return;
        loseNextReply = true;
      }
      server.write(data);
    });
    server.on('data', (data) => {
      if (loseNextReply) {
        kill(pair);
        return;
      }
      client.write(data);
    });
    const close = () => {
      client.destroy();
      server.destroy();
      pairs.delete(pair);
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as net.AddressInfo).port;

  return {
    port,
    rewrite(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut() {
      isCut = true;
      for (const pair of [...pairs]) kill(pair);
    },
    restore() {
      isCut = false;
    },
    drop(newRule) {
      return new Promise<void>((resolve) => {
        let firedOnce = false;
        rule = {
          ...newRule,
          fired: () => {
            if (!firedOnce) resolve();
            firedOnce = true;
          },
        };
      });
    },
    allow() {
      rule = undefined;
    },
    dropped: () => droppedCount,
    async close() {
      for (const pair of [...pairs]) kill(pair);
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/**
 * Matches an OP_MSG carrying `command` on `collection`: BSON writes the command's first field
 * as a string element, type 0x02, the name, a NUL, the value's length, the value and a NUL.
 */
export function commandOn(command: string, collection: string): (data: Buffer) => boolean {
  const name = Buffer.from(`\x02${command}\x00`, 'latin1');
  const value = Buffer.from(`${collection}\x00`, 'latin1');
  return (data) => {
    const at = data.indexOf(name);
    return at >= 0 && data.indexOf(value, at + name.length + 4) === at + name.length + 4;
  };
}
