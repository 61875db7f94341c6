import { ObjectId, type Document } from 'bson';
import { Query } from 'mingo';
import type { CollationSpec, Options } from 'mingo/types';
import { canonicalKey, isPlainObject } from './bsonValues';
import { asCommandError } from './errors';
import type { Collection } from './store';

export interface MatchOptions {
  collation?: Document;
  variables?: Document;
}

export function mingoOptions(options: MatchOptions = {}): Partial<Options> {
  return {
    idKey: '_id',
    collation: options.collation as CollationSpec | undefined,
    variables: options.variables,
  };
}

function compileFilter(filter: Document, options: MatchOptions = {}): Query {
  try {
    return new Query(filter, mingoOptions(options));
  } catch (error) {
    throw asCommandError(error);
  }
}

interface IndexedPlan {
  docs: Iterable<Document>;
  /** The part of the filter the index lookup did not already decide. */
  residual: Document;
  /** The indexes looked up, one per `$or` branch for a union: what explain reports. */
  indexes: { name: string; key: Document }[];
}

const isOperatorObject = (value: unknown): value is Document =>
  isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value)[0].startsWith('$');

/** The values an equality-like predicate accepts, when a hash index can answer it. */
function lookupValues(predicate: unknown): unknown[] | undefined {
  const usable = (value: unknown) => !(value instanceof RegExp) && !Array.isArray(value) && !isOperatorObject(value);
  if (!isOperatorObject(predicate)) return usable(predicate) ? [predicate] : undefined;
  if ('$eq' in predicate) return usable(predicate.$eq) ? [predicate.$eq] : undefined;
  if (Array.isArray(predicate.$in) && predicate.$in.every(usable)) return predicate.$in;
  return undefined;
}

/** The filter without the predicate on `field` that the index lookup already decided. */
function withoutDecided(filter: Document, field: string): Document {
  const residual: Document = { ...filter };
  const predicate = filter[field];
  if (!isOperatorObject(predicate)) delete residual[field];
  else {
    const rest: Document = { ...predicate };
    delete rest[('$eq' in rest ? '$eq' : '$in')];
    if (Object.keys(rest).length === 0) delete residual[field];
    else residual[field] = rest;
  }
  return residual;
}

/**
 * Picks the top-level equality or `$in` predicate on `_id` or a hash-indexed field with the
 * fewest values and fetches only those documents. Returns undefined when a scan is needed.
 */
function planIndexedLookup(collection: Collection, filter: Document, options: MatchOptions): IndexedPlan | undefined {
  // A case-insensitive query collation makes binary index keys miss matches.
  const strength = options.collation?.strength;
  const caseInsensitiveQuery = options.collation !== undefined && typeof strength === 'number' && strength <= 2;
  let best: { field: string; values: unknown[]; exact: boolean; index: { name: string; key: Document }; ids: (value: unknown) => Iterable<string> } | undefined;
  for (const field of Object.keys(filter)) {
    if (field.startsWith('$')) continue;
    const values = lookupValues(filter[field]);
    if (!values || (best && best.values.length <= values.length)) continue;
    // mongod keys an array element lacking the sub-field as null; our keys omit it, so a null
    // lookup on a dotted path could miss documents.
    if (field.includes('.') && values.some((value) => value === null || value === undefined)) continue;
    if (field === '_id') {
      if (caseInsensitiveQuery && values.some((value) => typeof value === 'string')) continue;
      best = { field, values, exact: true, index: { name: '_id_', key: { _id: 1 } }, ids: (value) => [canonicalKey(value)] };
      continue;
    }
    const index = collection.indexes.find((candidate) => candidate.fields[0] === field && candidate.servesEqualityLookups(filter));
    if (!index || (caseInsensitiveQuery && !index.caseInsensitive)) continue;
    // With matching case sensitivity the hash answers the predicate exactly, which also gives
    // case-insensitive queries mongod's answer where mingo's equality would be case-sensitive.
    // A case-insensitive index under a binary query yields a superset that mingo narrows down.
    best = { field, values, exact: index.caseInsensitive === caseInsensitiveQuery, index: { name: index.name, key: index.spec.key }, ids: (value) => index.idsFor(value) };
  }
  if (!best) return undefined;
  const plan = best;
  const ids = new Set<string>();
  for (const value of plan.values) for (const id of plan.ids(value)) ids.add(id);
  const docs: Document[] = [];
  for (const id of ids) {
    const doc = collection.docs.get(id);
    if (doc) docs.push(doc);
  }
  return { docs, residual: plan.exact ? withoutDecided(filter, plan.field) : filter, indexes: [plan.index] };
}

/** Stored documents matching `filter`, lazily, in natural order unless an index served them. */
/**
 * An `$or` whose every branch is an indexed lookup is answered by the union of the branches'
 * documents (mongod's index union), the whole filter then confirming each candidate.
 */
function planIndexedUnion(collection: Collection, filter: Document, options: MatchOptions): IndexedPlan | undefined {
  const branches = filter.$or;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const docs = new Map<Document, true>();
  const indexes: IndexedPlan['indexes'] = [];
  for (const branch of branches) {
    const plan = planIndexedLookup(collection, branch as Document, options);
    if (!plan) return undefined;
    for (const doc of plan.docs) docs.set(doc, true);
    indexes.push(...plan.indexes);
  }
  return { docs: [...docs.keys()], residual: filter, indexes };
}

/**
 * The winning plan as mongod's explain shapes it, for what this server does: IXSCAN under FETCH
 * for an index lookup, an OR of IXSCANs for an index union, else COLLSCAN.
 */
export function explainPlan(collection: Collection | undefined, filter: Document = {}, options: MatchOptions = {}): Document {
  const plan = collection ? (planIndexedLookup(collection, filter, options) ?? planIndexedUnion(collection, filter, options)) : undefined;
  if (!plan) return { stage: 'COLLSCAN', filter, direction: 'forward' };
  const scans = plan.indexes.map(({ name, key }) => ({ stage: 'IXSCAN', keyPattern: key, indexName: name }));
  const inputStage = scans.length === 1 ? scans[0] : { stage: 'OR', inputStages: scans };
  return { stage: 'FETCH', inputStage };
}

export function* matchingDocuments(collection: Collection | undefined, filter: Document = {}, options: MatchOptions = {}): Generator<Document> {
  if (!collection) return;
  const plan = planIndexedLookup(collection, filter, options) ?? planIndexedUnion(collection, filter, options);
  const residual = plan ? plan.residual : filter;
  const source = plan ? plan.docs : collection.docs.values();
  if (Object.keys(residual).length === 0) {
    yield* source;
    return;
  }
  const query = compileFilter(residual, options);
  for (const doc of source) {
    let matched: boolean;
    try {
      matched = query.test(doc);
    } catch (error) {
      throw asCommandError(error);
    }
    if (matched) yield doc;
  }
}

export interface SelectOptions extends MatchOptions {
  sort?: Document;
  skip?: number;
  limit?: number;
}

/** matchingDocuments with sort, skip and limit applied (by mingo where there is a sort). */
export function selectDocuments(collection: Collection | undefined, filter: Document = {}, options: SelectOptions = {}): Iterator<Document> {
  const { sort, skip = 0, limit = 0 } = options;
  let matches: Iterable<Document> = matchingDocuments(collection, filter, options);
  const naturalOrder = sort && Object.keys(sort).length === 1 ? sort.$natural : undefined;
  if (naturalOrder !== undefined) {
    const all = [...matches];
    matches = naturalOrder < 0 ? all.reverse() : all;
  } else if (sort && Object.keys(sort).length > 0) {
    // Collected first: a sort reads every match anyway, and the fallback below needs them again.
    matches = [...matches];
    const byId = sortedByObjectId(matches as Document[], sort);
    if (byId) return window(byId, skip, Math.abs(limit));
    try {
      const sorted = new Query({}, mingoOptions(options)).find<Document>(matches).sort(sort);
      if (skip) sorted.skip(skip);
      if (limit) sorted.limit(Math.abs(limit));
      return sorted[Symbol.iterator]() as Iterator<Document>;
    } catch (error) {
      throw asCommandError(error);
    }
  }
  return window(matches, skip, Math.abs(limit));
}

/**
 * `sort: {_id: ±1}` where every _id is an ObjectId: what mongod answers by walking its _id
 * index, done here by the ObjectIds' byte order (their hex strings sort the same way) instead
 * of mingo's general sort, which costs seconds at a million documents. Undefined otherwise.
 */
function sortedByObjectId(matches: Document[], sort: Document): Document[] | undefined {
  const keys = Object.keys(sort);
  if (keys.length !== 1 || keys[0] !== '_id' || (sort._id !== 1 && sort._id !== -1)) return undefined;
  const keyed: { hex: string; doc: Document }[] = [];
  for (const doc of matches) {
    if (!(doc._id instanceof ObjectId)) return undefined;
    keyed.push({ hex: doc._id.toHexString(), doc });
  }
  const direction = sort._id as number;
  keyed.sort((a, b) => (a.hex < b.hex ? -direction : a.hex > b.hex ? direction : 0));
  return keyed.map((entry) => entry.doc);
}

function* window(source: Iterable<Document>, skip: number, limit: number): Generator<Document> {
  let skipped = 0;
  let taken = 0;
  for (const doc of source) {
    if (skipped < skip) {
      skipped++;
      continue;
    }
    if (limit && taken >= limit) return;
    taken++;
    yield doc;
  }
}
