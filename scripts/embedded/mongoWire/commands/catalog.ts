import type { Document } from 'bson';
import { Query } from 'mingo';
import { CommandError, asCommandError, badValue, namespaceNotFound } from '../errors';
import { defaultIndexName, sameKeyPattern, type IndexSpec } from '../indexes';
import type { Collection, Store } from '../store';
import { collectionArgument, strictCommand, userValue, type CommandDefinition, type CommandHandler } from './context';
import { GENERIC_ARGUMENTS, notImplemented } from './fields';

/**
 * The collection options mongod 7.0's create knows. This server records options but honours none
 * of them (no capping, no validation, no views, no default collation...), so create refuses every
 * one that is set, after answering a repeated create as mongod does (NamespaceExists when the
 * options differ).
 */
const CREATE_OPTIONS = [
  'capped', 'autoIndexId', 'idIndex', 'size', 'max', 'storageEngine', 'validator', 'validationLevel', 'validationAction',
  'indexOptionDefaults', 'viewOn', 'pipeline', 'collation', 'changeStreamPreAndPostImages', 'timeseries', 'clusteredIndex',
  'expireAfterSeconds', 'encryptedFields', 'temp', 'flags', 'recordPreImages', 'collectionUUID',
];
const INERT_WHEN_FALSE = new Set(['capped', 'temp']);

/** mongod stores a collation with every attribute spelled out; listIndexes shows that form. */
function expandCollation(collation: Document): Document {
  return {
    locale: collation.locale,
    caseLevel: collation.caseLevel ?? false,
    caseFirst: collation.caseFirst ?? 'off',
    strength: collation.strength ?? 3,
    numericOrdering: collation.numericOrdering ?? false,
    alternate: collation.alternate ?? 'non-ignorable',
    maxVariable: collation.maxVariable ?? 'punct',
    normalization: collation.normalization ?? false,
    backwards: collation.backwards ?? false,
    version: '57.1',
  };
}

function normalizeIndexSpec(raw: Document): IndexSpec {
  if (typeof raw.key !== 'object' || raw.key === null || Object.keys(raw.key).length === 0) {
    throw new CommandError(67, 'CannotCreateIndex', 'Index keys cannot be empty.');
  }
  const spec: IndexSpec = { v: 2, key: raw.key, name: typeof raw.name === 'string' ? raw.name : defaultIndexName(raw.key) };
  for (const [option, value] of Object.entries(raw)) {
    if (option === 'v' || option === 'key' || option === 'name' || option === 'ns') continue;
    if ((option === 'unique' || option === 'sparse' || option === 'background') && !value) continue;
    spec[option] = option === 'collation' ? expandCollation(value) : option === 'partialFilterExpression' ? userValue(value) : value;
  }
  const textFields = Object.entries(raw.key).filter(([, type]) => type === 'text');
  if (textFields.length > 0) {
    // mongod rewrites text keys into its internal _fts/_ftsx form and records the weights.
    const key: Document = {};
    let placedText = false;
    for (const [field, type] of Object.entries(raw.key)) {
      if (type !== 'text') key[field] = type;
      else if (!placedText) {
        key._fts = 'text';
        key._ftsx = 1;
        placedText = true;
      }
    }
    spec.key = key;
    spec.weights = raw.weights ?? Object.fromEntries(textFields.map(([field]) => [field, 1]));
    spec.default_language ??= 'english';
    spec.language_override ??= 'language';
    spec.textIndexVersion ??= 3;
  }
  return spec;
}

const createIndexes: CommandHandler = (command, { store, database }) => {
  const name = collectionArgument(command);
  if (!Array.isArray(command.indexes) || command.indexes.length === 0) throw badValue('Must specify at least one index to create');
  const existed = store.collection(database, name) !== undefined;
  const collection = store.ensureCollection(database, name);
  const numIndexesBefore = collection.indexSpecs().length;
  let created = 0;
  for (const raw of command.indexes) if (collection.createIndex(normalizeIndexSpec(raw))) created++;
  const reply: Document = { numIndexesBefore, numIndexesAfter: collection.indexSpecs().length };
  if (created === 0) reply.note = 'all indexes already exist';
  else reply.createdCollectionAutomatically = !existed;
  return { ...reply, ok: 1 };
};

const listIndexes: CommandHandler = (command, { store, cursors, database }) => {
  const collection = store.requireCollection(database, collectionArgument(command));
  return cursors.firstBatch(collection.namespace, collection.indexSpecs()[Symbol.iterator](), { batchSize: command.cursor?.batchSize });
};

const dropIndexes: CommandHandler = (command, { store, database }) => {
  const name = collectionArgument(command);
  const collection = store.collection(database, name);
  if (!collection) throw namespaceNotFound(`ns not found ${database}.${name}`);
  const nIndexesWas = collection.indexSpecs().length;
  const target = command.index;
  if (target === '*') {
    for (const index of [...collection.indexes]) collection.dropIndex(index.name);
    return { nIndexesWas, msg: 'non-_id indexes dropped for collection', ok: 1 };
  }
  if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
    const spec = collection.indexSpecs().find((candidate) => sameKeyPattern(candidate.key, target));
    if (!spec) throw new CommandError(27, 'IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`);
    collection.dropIndex(spec.name);
  } else {
    const names: unknown[] = Array.isArray(target) ? target : [target];
    for (const indexName of names) {
      if (!collection.indexSpecs().some((spec) => spec.name === indexName)) {
        throw new CommandError(27, 'IndexNotFound', `index not found with name [${String(indexName)}]`);
      }
    }
    for (const indexName of names) collection.dropIndex(String(indexName));
  }
  return { nIndexesWas, ok: 1 };
};

function collectionInfo(collection: Collection): Document {
  return {
    name: collection.name,
    type: 'collection',
    options: collection.options,
    info: { readOnly: false, uuid: collection.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  };
}

function filtered(docs: Document[], filter: unknown): Document[] {
  if (!filter || typeof filter !== 'object' || Object.keys(filter).length === 0) return docs;
  try {
    const query = new Query(filter as Document, {});
    return docs.filter((doc) => query.test(doc));
  } catch (error) {
    throw asCommandError(error);
  }
}

const listCollections: CommandHandler = (command, { store, cursors, database }) => {
  const infos = [...(store.databases.get(database)?.values() ?? [])].map(collectionInfo);
  let matched = filtered(infos, command.filter);
  if (command.nameOnly) matched = matched.map(({ name, type }) => ({ name, type }));
  return cursors.firstBatch(`${database}.$cmd.listCollections`, matched[Symbol.iterator](), { batchSize: command.cursor?.batchSize });
};

function approximateSize(collections: Map<string, Collection>): number {
  let bytes = 0;
  for (const collection of collections.values()) bytes += 4096 + collection.docs.size * 64;
  return bytes;
}

const listDatabases: CommandHandler = (command, { store, database }) => {
  if (database !== 'admin') throw new CommandError(13, 'Unauthorized', 'listDatabases may only be run against the admin database.');
  const all = [...store.databases].map(([name, collections]) => ({ name, sizeOnDisk: approximateSize(collections), empty: false }));
  const matched = filtered(all, command.filter);
  if (command.nameOnly) return { databases: matched.map(({ name }) => ({ name })), ok: 1 };
  const totalSize = matched.reduce((sum, db) => sum + db.sizeOnDisk, 0);
  return { databases: matched, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 };
};

const create: CommandHandler = (command, { store, database }) => {
  const name = collectionArgument(command);
  const options: Document = {};
  for (const [option, value] of Object.entries(command)) if (option !== 'create' && !GENERIC_ARGUMENTS.has(option)) options[option] = value;
  const existing = store.collection(database, name);
  if (existing) {
    // mongod 7 accepts a create that repeats the existing collection's options and refuses any other.
    if (JSON.stringify(existing.options) === JSON.stringify(options)) return { ok: 1 };
    throw new CommandError(48, 'NamespaceExists', `Collection ${database}.${name} already exists.`);
  }
  // `capped: false` and `temp: false` are the defaults: they ask for nothing this server lacks.
  const unhonoured = Object.keys(options).find((option) => !(INERT_WHEN_FALSE.has(option) && options[option] === false));
  if (unhonoured !== undefined) throw notImplemented(`create.${unhonoured}`);
  store.ensureCollection(database, name, options);
  return { ok: 1 };
};

const drop: CommandHandler = (command, { store, database }) => {
  const name = collectionArgument(command);
  const dropped = store.dropCollection(database, name);
  if (!dropped) return { ok: 1 };
  return { nIndexesWas: dropped.indexSpecs().length, ns: dropped.namespace, ok: 1 };
};

const dropDatabase: CommandHandler = (_command, { store, database }) => {
  store.dropDatabase(database);
  return { dropped: database, ok: 1 };
};

const renameCollection: CommandHandler = (command, { store }) => {
  const [fromDb, ...fromRest] = String(command.renameCollection).split('.');
  const [toDb, ...toRest] = String(command.to).split('.');
  const source = store.collection(fromDb, fromRest.join('.'));
  if (!source) throw namespaceNotFound(`Source collection ${command.renameCollection} does not exist`);
  if (store.collection(toDb, toRest.join('.'))) {
    if (!command.dropTarget) throw new CommandError(48, 'NamespaceExists', 'target namespace exists');
    store.dropCollection(toDb, toRest.join('.'));
  }
  moveCollection(store, source, toDb, toRest.join('.'));
  return { ok: 1 };
};

function moveCollection(store: Store, source: Collection, database: string, name: string): void {
  store.dropCollection(source.database, source.name);
  const target = store.ensureCollection(database, name, source.options);
  for (const spec of source.indexSpecs().slice(1)) target.createIndex(spec);
  for (const doc of source.docs.values()) target.insert(doc);
}

export const catalogCommands: Record<string, CommandDefinition> = {
  createIndexes: strictCommand('createIndexes', createIndexes, ['indexes'], ['commitQuorum', 'ignoreUnknownIndexOptions', 'collectionUUID', 'isTimeseriesNamespace', 'returnOnStart']),
  listIndexes: strictCommand('listIndexes', listIndexes, ['cursor'], ['includeBuildUUIDs', 'includeIndexBuildInfo', 'collectionUUID', 'isTimeseriesNamespace']),
  dropIndexes: strictCommand('dropIndexes', dropIndexes, ['index'], ['collectionUUID', 'isTimeseriesNamespace']),
  // authorizedCollections: without access control every collection is authorized.
  listCollections: strictCommand('listCollections', listCollections, ['filter', 'nameOnly', 'authorizedCollections', 'cursor'], ['includePendingDrops']),
  listDatabases: strictCommand('listDatabases', listDatabases, ['filter', 'nameOnly', 'authorizedDatabases']),
  // create's options are known here and refused by the handler, after the NamespaceExists check.
  create: strictCommand('create', create, CREATE_OPTIONS),
  drop: strictCommand('drop', drop, [], ['collectionUUID', 'isTimeseriesNamespace']),
  dropDatabase: strictCommand('dropDatabase', dropDatabase, []),
  // stayTemp only matters for temp collections, which create refuses.
  renameCollection: strictCommand('renameCollection', renameCollection, ['to', 'dropTarget', 'stayTemp'], ['collectionUUID']),
};
