import { Long, type Document } from 'bson';
import { Aggregator } from 'mingo';
import { EMPTY_ARRAY, canonicalKey, cloneDocument, isPlainObject, valuesAtPath } from '../bsonValues';
import { CommandError, asCommandError, failedToParse } from '../errors';
import { explainPlan, matchingDocuments, mingoOptions, selectDocuments } from '../query';
import type { Store } from '../store';
import { collectionArgument, matchOptions, numberArgument, projector, strictCommand, userValue, type CommandDefinition, type CommandHandler } from './context';
import { FieldRules } from './fields';

const find: CommandHandler = (command, { store, cursors, database }) => {
  const name = collectionArgument(command);
  const filter = userValue(command.filter ?? {});
  const options = matchOptions(command);
  const rawLimit = numberArgument(command.limit, 0);
  const limit = Math.abs(rawLimit);
  const batchSize = numberArgument(command.batchSize);
  if (batchSize !== undefined && batchSize < 0) throw new CommandError(51024, 'Location51024', `BSON field 'batchSize' value must be >= 0, actual value '${batchSize}'`);
  const docs = selectDocuments(store.collection(database, name), filter, {
    ...options,
    sort: command.sort,
    skip: numberArgument(command.skip, 0),
    limit,
  });
  return cursors.firstBatch(`${database}.${name}`, docs, {
    batchSize,
    limit,
    singleBatch: command.singleBatch === true || rawLimit < 0,
    present: projector(filter, command.projection, options),
  });
};

const getMore: CommandHandler = (command, { cursors, database }) => {
  const id = command.getMore;
  if (!(id instanceof Long) && typeof id !== 'number') throw new CommandError(14, 'TypeMismatch', "Field 'getMore' must be of type long");
  const cursorId = id instanceof Long ? id : Long.fromNumber(id);
  return cursors.getMore(cursorId, String(command.collection), database, numberArgument(command.batchSize));
};

const killCursors: CommandHandler = (command, { cursors }) => {
  const ids: Long[] = (command.cursors ?? []).map((id: Long | number) => (id instanceof Long ? id : Long.fromNumber(id)));
  const { killed, notFound } = cursors.kill(ids);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

const count: CommandHandler = (command, { store, database }) => {
  const collection = store.collection(database, collectionArgument(command));
  const skip = numberArgument(command.skip, 0);
  const limit = Math.abs(numberArgument(command.limit, 0));
  const query = userValue(command.query ?? {});
  let n: number;
  if (Object.keys(query).length === 0) n = collection?.docs.size ?? 0;
  else {
    n = 0;
    for (const _ of matchingDocuments(collection, query, matchOptions(command))) n++;
  }
  n = Math.max(0, n - skip);
  return { n: limit > 0 ? Math.min(n, limit) : n, ok: 1 };
};

const distinct: CommandHandler = (command, { store, database }) => {
  const collection = store.collection(database, collectionArgument(command));
  if (typeof command.key !== 'string') throw failedToParse("BSON field 'distinct.key' is missing but a required field");
  const seen = new Map<string, unknown>();
  for (const doc of matchingDocuments(collection, userValue(command.query ?? {}), matchOptions(command))) {
    for (const value of valuesAtPath(doc, command.key)) {
      if (value === EMPTY_ARRAY) continue;
      const key = canonicalKey(value);
      if (!seen.has(key)) seen.set(key, value);
    }
  }
  return { values: [...seen.values()], ok: 1 };
};

/** Stages that never write into the documents flowing through them, so those need not be copies. */
const NON_MUTATING_STAGES = new Set(['$match', '$sort', '$skip', '$limit', '$count', '$group', '$sortByCount', '$project']);

const aggregate: CommandHandler = (command, { store, cursors, database }) => {
  if (command.explain) throw new CommandError(115, 'CommandNotSupported', 'explain is not supported by this server');
  if (!Array.isArray(command.pipeline)) throw failedToParse("'pipeline' option must be specified as an array");
  const pipeline: Document[] = userValue(command.pipeline);
  if (pipeline.some((stage) => '$changeStream' in stage)) {
    throw new CommandError(40573, 'Location40573', 'The $changeStream stage is only supported on replica sets');
  }
  const target = command.aggregate;
  const name = typeof target === 'string' ? target : undefined;
  const options = matchOptions(command);
  const collection = name ? store.collection(database, name) : undefined;

  const outStage = pipeline.length > 0 && '$out' in pipeline[pipeline.length - 1] ? pipeline.pop() : undefined;
  if (pipeline.some((stage) => '$merge' in stage || '$out' in stage)) {
    throw new CommandError(115, 'CommandNotSupported', '$merge is not supported by this server, and $out only as the last stage');
  }
  // A leading $match is answered through the indexes like a find filter.
  let stages = pipeline;
  let source: Iterable<Document> = collection ? collection.docs.values() : [];
  if (stages[0] && '$match' in stages[0] && collection) {
    source = matchingDocuments(collection, stages[0].$match, options);
    stages = stages.slice(1);
  }
  const copyInputs = stages.some((stage) => !NON_MUTATING_STAGES.has(Object.keys(stage)[0]));
  if (copyInputs) source = mapIterable(source, cloneDocument);
  const resolver = (other: string) => {
    const docs = [...(store.collection(database, other)?.docs.values() ?? [])];
    return copyInputs ? docs.map(cloneDocument) : docs;
  };
  let results: Iterator<Document>;
  try {
    const aggregator = new Aggregator(stages, { ...mingoOptions(options), collectionResolver: resolver });
    results = aggregator.stream(source) as unknown as Iterator<Document>;
  } catch (error) {
    throw asCommandError(error);
  }
  const namespace = `${database}.${name ?? '$cmd.aggregate'}`;
  if (outStage) {
    writeOut(store, database, outStage.$out, results);
    return cursors.firstBatch(namespace, [][Symbol.iterator]());
  }
  return cursors.firstBatch(namespace, results, {
    batchSize: numberArgument(command.cursor?.batchSize),
  });
};

/** `$out` replaces the target collection's documents and keeps its indexes, as mongod does. */
function writeOut(store: Store, database: string, spec: unknown, results: Iterator<Document>): void {
  const targetDb = typeof spec === 'object' && spec !== null ? String((spec as Document).db ?? database) : database;
  const targetName = typeof spec === 'string' ? spec : String((spec as Document).coll);
  const produced: Document[] = [];
  for (let next = results.next(); !next.done; next = results.next()) produced.push(cloneDocument(next.value));
  const previous = store.dropCollection(targetDb, targetName);
  const target = store.ensureCollection(targetDb, targetName, previous?.options);
  for (const spec of previous?.indexSpecs().slice(1) ?? []) target.createIndex(spec);
  for (const doc of produced) target.insert(doc);
}

function* mapIterable<T, R>(source: Iterable<T>, transform: (value: T) => R): Generator<R> {
  for (const value of source) yield transform(value);
}

/**
 * explain of a find at queryPlanner verbosity: the plan this server runs, shaped like mongod's.
 * Execution statistics and other commands are refused, not invented.
 */
const explain: CommandHandler = (command, { store, database }) => {
  const inner = command.explain as Document;
  const verbosity = command.verbosity ?? 'allPlansExecution';
  if (!isPlainObject(inner) || typeof inner.find !== 'string') throw new CommandError(115, 'CommandNotSupported', 'explain is supported for find only by this server');
  if (verbosity !== 'queryPlanner') throw new CommandError(115, 'CommandNotSupported', `explain verbosity '${verbosity}' is not supported by this server: use 'queryPlanner'`);
  const filter = userValue(inner.filter ?? {});
  const winningPlan = explainPlan(store.collection(database, inner.find), filter, matchOptions(inner));
  return { explainVersion: '1', queryPlanner: { namespace: `${database}.${inner.find}`, parsedQuery: filter, winningPlan, rejectedPlans: [] }, command: inner, ok: 1 };
};

/**
 * find's fields (mongod's find_command.idl). Accepted beyond what the handler reads: allowDiskUse
 * (nothing here spills to disk), allowPartialResults (meaningful on sharded clusters only) and
 * oplogReplay (ignored by mongod itself since 4.4).
 */
const FIND_FIELDS = new FieldRules(
  ['filter', 'projection', 'sort', 'skip', 'limit', 'batchSize', 'singleBatch', 'collation', 'let', 'allowDiskUse', 'allowPartialResults', 'oplogReplay'],
  [
    'hint', 'min', 'max', 'returnKey', 'showRecordId', 'tailable', 'awaitData', 'noCursorTimeout', 'ntoreturn', 'options', 'term',
    'readOnce', 'allowSpeculativeMajorityRead', '$_requestResumeToken', '$_resumeAfter', 'runtimeConstants', 'collectionUUID',
    'encryptionInformation', 'includeQueryStatsMetrics',
  ],
);

/** explain checks the find it wraps as find itself would, so an explained query cannot hide an option. */
const explainCommand: CommandDefinition = {
  name: 'explain',
  run: (command, context) => {
    const inner = command.explain;
    if (isPlainObject(inner) && typeof inner.find === 'string') FIND_FIELDS.check(inner, 'find', { command: true });
    return explain(command, context);
  },
  fields: new FieldRules(['verbosity']),
};

export const readCommands: Record<string, CommandDefinition> = {
  find: { name: 'find', run: find, fields: FIND_FIELDS },
  getMore: strictCommand('getMore', getMore, ['collection', 'batchSize'], ['term', 'lastKnownCommittedOpTime', 'includeQueryStatsMetrics']),
  killCursors: strictCommand('killCursors', killCursors, ['cursors']),
  // `fields` is a leftover of the old shell that mongod's count parser declares and ignores.
  count: strictCommand('count', count, ['query', 'limit', 'skip', 'collation', 'fields'], ['hint', 'encryptionInformation']),
  distinct: strictCommand('distinct', distinct, ['key', 'query', 'collation'], ['hint', 'mirrored', 'sampleId', 'encryptionInformation']),
  // explain: the handler refuses it; bypassDocumentValidation: this server validates no documents.
  aggregate: strictCommand(
    'aggregate',
    aggregate,
    ['pipeline', 'cursor', 'collation', 'let', 'allowDiskUse', 'explain', 'bypassDocumentValidation'],
    [
      'hint', 'needsMerge', 'fromMongos', '$_requestReshardingResumeToken', 'exchange', 'runtimeConstants', 'isMapReduceCommand',
      'collectionUUID', '$_passthroughToShard', 'encryptionInformation', '$_externalDataSources', 'sampleId',
      '$_isClusterQueryWithoutShardKeyCmd', '$_requestResumeToken', '$_resumeAfter', '$_generateV2ResumeTokens', 'includeQueryStatsMetrics',
    ],
  ),
  explain: explainCommand,
};
