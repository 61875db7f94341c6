import os from 'node:os';
import type { Document } from 'bson';
import { CommandError } from '../errors';
import { anyFields, strictCommand, type CommandDefinition, type CommandHandler } from './context';

/** What a standalone mongod 7.0 advertises; the driver sizes its batches and checks features by it. */
const SERVER_VERSION = '7.0.0';
const MAX_WIRE_VERSION = 21;
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
const MAX_WRITE_BATCH_SIZE = 100_000;

/**
 * Deliberately no `topologyVersion`: without it the driver polls hello every heartbeat instead
 * of holding a streaming (exhaust) hello open, which this server does not implement.
 */
function helloReply(command: Document, connectionId: number, legacy: boolean): Document {
  return {
    ...(command.helloOk ? { helloOk: true } : {}),
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

const hello: CommandHandler = (command, { connection }) => helloReply(command, connection.id, false);
const isMaster: CommandHandler = (command, { connection }) => helloReply(command, connection.id, true);

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  gitVersion: 'in-memory-wire-test-double',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['wiredTiger'],
  modules: [],
  javascriptEngine: 'none',
  sysInfo: 'deprecated',
  ok: 1,
});

const PARAMETERS: Document = {
  featureCompatibilityVersion: { version: '7.0' },
  authenticationMechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256'],
  cursorTimeoutMillis: 600_000,
  internalQueryFrameworkControl: 'forceClassicEngine',
};

const getParameter: CommandHandler = (command) => {
  const wanted = command.getParameter === '*' ? Object.keys(PARAMETERS) : Object.keys(command).filter((key) => key in PARAMETERS);
  if (wanted.length === 0) throw new CommandError(72, 'InvalidOptions', 'no option found to get');
  return { ...Object.fromEntries(wanted.map((key) => [key, PARAMETERS[key]])), ok: 1 };
};

const hostInfo: CommandHandler = () => ({
  system: {
    currentTime: new Date(),
    hostname: os.hostname(),
    cpuAddrSize: 64,
    memSizeMB: Math.round(os.totalmem() / (1024 * 1024)),
    numCores: os.cpus().length,
    cpuArch: os.arch(),
  },
  os: { type: os.type(), name: os.platform(), version: os.release() },
  extra: {},
  ok: 1,
});

const serverStatus: CommandHandler = (_command, { connectionCount, startedAt }) => ({
  host: os.hostname(),
  version: SERVER_VERSION,
  process: 'mongod',
  pid: process.pid,
  uptime: Math.floor((Date.now() - startedAt) / 1000),
  uptimeMillis: Date.now() - startedAt,
  localTime: new Date(),
  connections: { current: connectionCount(), available: 1_000_000, totalCreated: connectionCount() },
  ok: 1,
});

const dbStats: CommandHandler = (_command, { store, database }) => {
  const collections = [...(store.databases.get(database)?.values() ?? [])];
  const objects = collections.reduce((sum, collection) => sum + collection.docs.size, 0);
  const indexes = collections.reduce((sum, collection) => sum + collection.indexSpecs().length, 0);
  return { db: database, collections: collections.length, views: 0, objects, avgObjSize: 0, dataSize: 0, storageSize: 0, indexes, indexSize: 0, totalSize: 0, scaleFactor: 1, ok: 1 };
};

/** A standalone mongod answers replica-set commands with NoReplicationEnabled. */
const notReplicaSet: CommandHandler = () => {
  throw new CommandError(76, 'NoReplicationEnabled', 'not running with --replSet');
};

/** Multi-document transactions are refused the way a standalone mongod refuses them. */
export const transactionsUnsupported = () =>
  new CommandError(20, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');

const acknowledge: CommandHandler = () => ({ ok: 1 });

/**
 * hello's fields (mongod's hello.idl) plus what the driver adds to its handshake (`backpressure`,
 * `loadBalanced`). The streaming and authentication fields cannot mislead: without
 * `topologyVersion` in the reply the driver never streams, and without `speculativeAuthenticate`
 * in it the driver goes on to saslStart, which this server does not know.
 */
const HELLO_FIELDS = [
  'helloOk', 'client', 'compression', 'backpressure', 'loadBalanced', 'saslSupportedMechs', 'speculativeAuthenticate',
  'topologyVersion', 'maxAwaitTimeMS', 'forShell', 'hostInfo', 'hangUpOnStepDown',
];
const HELLO_UNIMPLEMENTED = ['internalClient'];

const helloCommand = strictCommand('hello', hello, HELLO_FIELDS, HELLO_UNIMPLEMENTED);
const isMasterCommand = strictCommand('isMaster', isMaster, HELLO_FIELDS, HELLO_UNIMPLEMENTED);
const buildInfoCommand = strictCommand('buildInfo', buildInfo, []);
const refusesItself = 'it refuses whatever it carries, as a standalone mongod does';

export const serverCommands: Record<string, CommandDefinition> = {
  hello: helloCommand,
  isMaster: isMasterCommand,
  ismaster: isMasterCommand,
  ping: strictCommand('ping', acknowledge, []),
  buildInfo: buildInfoCommand,
  buildinfo: buildInfoCommand,
  getParameter: anyFields('getParameter', getParameter, 'its fields name the parameters to read'),
  hostInfo: strictCommand('hostInfo', hostInfo, []),
  getCmdLineOpts: strictCommand('getCmdLineOpts', () => ({ argv: ['mongod'], parsed: {}, ok: 1 }), []),
  connectionStatus: strictCommand('connectionStatus', () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }), [], ['showPrivileges']),
  whatsmyuri: strictCommand('whatsmyuri', (_command, { connection }) => ({ you: connection.remoteAddress, ok: 1 }), []),
  serverStatus: anyFields('serverStatus', serverStatus, 'its fields switch report sections on and off; this server reports a fixed few'),
  dbStats: strictCommand('dbStats', dbStats, [], ['scale', 'freeStorage']),
  getLog: strictCommand('getLog', () => ({ totalLinesWritten: 0, log: [], ok: 1 }), []),
  endSessions: strictCommand('endSessions', acknowledge, []),
  killSessions: strictCommand('killSessions', acknowledge, []),
  killAllSessions: strictCommand('killAllSessions', acknowledge, []),
  refreshSessions: strictCommand('refreshSessions', acknowledge, []),
  replSetGetStatus: anyFields('replSetGetStatus', notReplicaSet, refusesItself),
  replSetGetConfig: anyFields('replSetGetConfig', notReplicaSet, refusesItself),
  commitTransaction: anyFields('commitTransaction', () => {
    throw transactionsUnsupported();
  }, refusesItself),
  abortTransaction: anyFields('abortTransaction', () => {
    throw transactionsUnsupported();
  }, refusesItself),
};
