import { EJSON, Long, ObjectId, type Document } from 'bson';

/**
 * mingo models every BSON number as a JS number, so int64 values are stored as numbers too.
 * To still hand back int64 where the client wrote int64 (mongod preserves the type), each stored
 * document that had any remembers the dotted paths that held one. Documents without int64 (the
 * overwhelming majority) carry nothing.
 */
const int64PathsByDocument = new WeakMap<object, string[]>();

export const isPlainObject = (value: unknown): value is Document =>
  typeof value === 'object' && value !== null && (value.constructor === Object || Object.getPrototypeOf(value) === null);

const MIN_SAFE_LONG = Long.fromNumber(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_LONG = Long.fromNumber(Number.MAX_SAFE_INTEGER);

/**
 * Turns int64 values that fit in a double into numbers in place, collecting their dotted
 * paths (relative to `prefix`) into `found`. Larger int64 values stay Long.
 */
export function adoptLongs(value: unknown, prefix = '', found?: string[]): unknown {
  const path: string[] = prefix ? [prefix] : [];
  const visit = (current: unknown): unknown => {
    if (current instanceof Long) {
      if (current.lessThan(MIN_SAFE_LONG) || current.greaterThan(MAX_SAFE_LONG)) return current;
      found?.push(path.join('.'));
      return current.toNumber();
    }
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) {
        path.push(String(i));
        current[i] = visit(current[i]);
        path.pop();
      }
    } else if (isPlainObject(current)) {
      for (const key of Object.keys(current)) {
        path.push(key);
        current[key] = visit(current[key]);
        path.pop();
      }
    }
    return current;
  };
  return visit(value);
}

/** Prepares a document decoded from the wire for storage, remembering where int64 values were. */
export function adoptDocument(doc: Document): Document {
  const paths: string[] = [];
  adoptLongs(doc, '', paths);
  // Only add: a document prepared internally already carries its paths and has no Long left.
  if (paths.length > 0) rememberInt64Paths(doc, [...int64PathsOf(doc), ...paths]);
  return doc;
}

export function int64PathsOf(doc: object): string[] {
  return int64PathsByDocument.get(doc) ?? [];
}

export function rememberInt64Paths(doc: object, paths: string[]): void {
  if (paths.length > 0) int64PathsByDocument.set(doc, [...new Set(paths)]);
  else int64PathsByDocument.delete(doc);
}

/**
 * The document as the client should see it: int64 restored where the stored document (or the
 * stored document it was projected from) had int64 and the value there is still an integer.
 */
export function exportDocument(doc: Document, source: object = doc): Document {
  const paths = int64PathsByDocument.get(source);
  if (!paths) return doc;
  let copy: Document | undefined;
  for (const path of paths) {
    const segments = path.split('.');
    let probe: unknown = doc;
    for (const segment of segments) probe = probe == null ? undefined : (probe as Document)[segment];
    if (typeof probe !== 'number' || !Number.isInteger(probe)) continue;
    copy ??= { ...doc };
    let parent: Document = copy;
    for (const segment of segments.slice(0, -1)) {
      const child = parent[segment];
      parent[segment] = Array.isArray(child) ? [...child] : { ...child };
      parent = parent[segment];
    }
    parent[segments[segments.length - 1]] = Long.fromNumber(probe);
  }
  return copy ?? doc;
}

/** Deep copy of plain objects, arrays and Dates; immutable BSON values (ObjectId, Long, ...) are shared. */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepClone) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const copy: Document = {};
    for (const key of Object.keys(value)) copy[key] = deepClone(value[key]);
    return copy as T;
  }
  return value;
}

export function cloneDocument(doc: Document): Document {
  const copy = deepClone(doc);
  rememberInt64Paths(copy, int64PathsOf(doc));
  return copy;
}

/**
 * A string that is equal for two values exactly when an index treats them as the same key:
 * numbers of any BSON type compare by value, null and missing are one key, embedded documents
 * compare field by field in order.
 */
export function canonicalKey(value: unknown, caseInsensitive = false): string {
  switch (typeof value) {
    case 'string':
      return 's' + (caseInsensitive ? value.toLowerCase() : value);
    case 'number':
      return 'n' + (value === 0 ? 0 : value);
    case 'boolean':
      return value ? 'bT' : 'bF';
    case 'undefined':
      return 'z';
  }
  if (value === null) return 'z';
  if (value instanceof ObjectId) return 'o' + value.toHexString();
  if (value instanceof Date) return 'd' + value.getTime();
  if (value instanceof Long) return 'n' + value.toString();
  return 'e' + EJSON.stringify(value as Document, { relaxed: true });
}

/** Stands for an empty array at an indexed path: mongod keys it apart from null and missing. */
export const EMPTY_ARRAY: readonly unknown[] = Object.freeze([]);

/**
 * Values an index (or `distinct`) sees at a dotted path: arrays along the way fan out into
 * their elements, as with multikey indexes. Missing paths yield nothing.
 */
export function valuesAtPath(value: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  collect(value, path.split('.'), 0, out);
  return out;
}

function collect(value: unknown, segments: string[], depth: number, out: unknown[]): void {
  if (depth === segments.length) {
    if (Array.isArray(value)) out.push(...(value.length === 0 ? [EMPTY_ARRAY] : value));
    else out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    const index = Number(segments[depth]);
    if (Number.isInteger(index) && index >= 0 && String(index) === segments[depth]) {
      if (index < value.length) collect(value[index], segments, depth + 1, out);
      return;
    }
    for (const element of value) if (isPlainObject(element)) collect(element, segments, depth, out);
    return;
  }
  if (isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, segments[depth])) {
    collect(value[segments[depth]], segments, depth + 1, out);
  }
}

/** mongod's rendering of values in error messages, e.g. `{ name: "x", _id: ObjectId('…') }`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[ ${value.map(formatValue).join(', ')} ]`;
  if (isPlainObject(value)) {
    const fields = Object.entries(value).map(([key, inner]) => `${key}: ${formatValue(inner)}`);
    return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
  }
  return EJSON.stringify(value as Document, { relaxed: true });
}

export function getPath(doc: unknown, path: string): unknown {
  let value = doc;
  for (const segment of path.split('.')) value = value == null ? undefined : (value as Document)[segment];
  return value;
}

export function setPath(doc: Document, path: string, value: unknown): void {
  const segments = path.split('.');
  let parent = doc;
  for (const segment of segments.slice(0, -1)) {
    if (!isPlainObject(parent[segment]) && !Array.isArray(parent[segment])) parent[segment] = {};
    parent = parent[segment];
  }
  parent[segments[segments.length - 1]] = value;
}

/** mongod always stores `_id` as the first field. */
export function withIdFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (keys[0] === '_id') return doc;
  const ordered: Document = { _id: doc._id };
  for (const key of keys) if (key !== '_id') ordered[key] = doc[key];
  rememberInt64Paths(ordered, int64PathsOf(doc));
  return ordered;
}
