import pino from 'pino';
import { logFormatFrom, type LogFormat } from './config';

/** Where lines reach stdout, as one entry of the multistream below. */
interface Stdout {
  format: LogFormat;
  stream: pino.DestinationStream;
  close(): void;
}

/**
 * JSON, one object a line, is what log collectors read. Readable lines go through pino-pretty,
 * a devDependency that production installs leave out, so it is loaded only when asked for; as a
 * transport it formats in a worker thread, off the event loop that imports rows.
 */
function openStdout(format: LogFormat): Stdout {
  // Written synchronously: an asynchronous write waits in libuv's thread pool behind password
  // hashing, and a process that exits meanwhile prints its last lines out of order (the fatal
  // error before what led to it). Lines are few (per round, not per row), so the cost is small.
  if (format === 'json') return { format, stream: pino.destination({ dest: 1, sync: true }), close: () => {} };
  const stream = pino.transport({
    target: 'pino-pretty',
    // One line per entry: a person scrolling `npm run dev` reads entries, not objects spread over lines.
    options: { destination: 1, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true },
  });
  return { format, stream, close: () => stream.end() };
}

/**
 * The logger exists as soon as this module is loaded, before any entry point has read its
 * configuration. A LOG_FORMAT that cannot be honoured (unknown, or pretty without pino-pretty)
 * gives JSON here, and the entry point's loadConfig then refuses it, naming it, without a stack.
 */
function formatAtLoad(): LogFormat {
  try {
    return logFormatFrom(process.env);
  } catch {
    return 'json';
  }
}

let stdout = openStdout(formatAtLoad());
// `lastId` (the id `remove` takes) is part of pino's documented multistream API but not of its types.
const destinations = pino.multistream([{ level: 'trace', stream: stdout.stream }]) as pino.MultiStreamRes & { lastId: number };
let stdoutId = destinations.lastId;

const CENSOR = '[redacted]';
const SECRET_KEY = /^password(hash)?$/i;

/**
 * An error can carry a password hash at any depth (a MongoBulkWriteError holds each refused
 * operation, `writeErrors[i].err.op.u.$set.passwordHash`), deeper than redact's fixed paths
 * reach, so what pino's err serializer keeps is walked and every password key censored.
 */
function redactedErr(error: unknown): unknown {
  return censorSecrets(pino.stdSerializers.err(error as Error), new WeakSet(), 0);
}

function censorSecrets(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 12) return '[...]';
  seen.add(value);
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function' && !(value instanceof Error)) {
    const plain = toJSON.call(value);
    return plain === value ? plain : censorSecrets(plain, seen, depth + 1);
  }
  if (Array.isArray(value)) return value.map((item) => censorSecrets(item, seen, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = SECRET_KEY.test(key) ? CENSOR : censorSecrets(item, seen, depth + 1);
  return copy;
}

/**
 * The one logger. Anything that could carry a password is redacted here, once, rather than
 * trusted to every call site: the design forbids passwords in logs.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'user-csv-import' },
  redact: {
    paths: ['password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization', 'headers.authorization'],
    censor: CENSOR,
  },
  serializers: { err: redactedErr },
}, destinations);

/** Adds a place log lines are written to as well (e.g. a shipper, or a test reading them). */
export function addLogDestination(stream: NodeJS.WritableStream): void {
  destinations.add({ level: 'trace', stream });
}

export function setLogLevel(level: string): void {
  logger.level = level;
}

/**
 * Changes how lines are written to stdout (`npm run dev` asks for pretty ones before it logs).
 * Throws a ConfigError naming LOG_FORMAT when pretty is asked for and pino-pretty is missing.
 */
export function setLogFormat(format: LogFormat): void {
  logFormatFrom({ LOG_FORMAT: format });
  if (format === stdout.format) return;
  const previous = { ...stdout, id: stdoutId };
  stdout = openStdout(format);
  destinations.add({ level: 'trace', stream: stdout.stream });
  stdoutId = destinations.lastId;
  destinations.remove(previous.id);
  previous.close();
}

export type Logger = pino.Logger;
