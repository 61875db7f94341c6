import type { Document } from 'bson';
import { Query } from 'mingo';
import { canonicalKey, formatValue, isPlainObject, valuesAtPath } from './bsonValues';
import { CommandError } from './errors';

export interface IndexSpec extends Document {
  v: number;
  key: Document;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  collation?: Document;
  expireAfterSeconds?: number;
}

interface IndexKey {
  canonical: string;
  values: unknown[];
}

/** Key types whose entries we do not maintain: no lookups and no uniqueness through them. */
const UNMAINTAINED_KEY_TYPES = new Set(['text', '2d', '2dsphere', 'geoHaystack']);

export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${direction}`)
    .join('_');
}

export function duplicateKeyError(namespace: string, name: string, keyPattern: Document, keyValue: Document): CommandError {
  return new CommandError(
    11000,
    'DuplicateKey',
    `E11000 duplicate key error collection: ${namespace} index: ${name} dup key: ${formatValue(keyValue)}`,
    { keyPattern, keyValue },
  );
}

/**
 * A secondary index kept as a hash from canonical key to document ids: O(1) uniqueness checks
 * and equality / `$in` lookups. Range scans are not served by it; those fall back to a scan.
 */
export class Index {
  readonly fields: string[];
  readonly caseInsensitive: boolean;
  readonly maintained: boolean;
  /** canonical key → one id, or a set once several documents share the key. */
  private readonly entries = new Map<string, string | Set<string>>();
  private readonly partialFilter?: Query;

  constructor(
    readonly spec: IndexSpec,
    private readonly namespace: string,
  ) {
    this.fields = Object.keys(spec.key);
    this.maintained = !Object.values(spec.key).some((type) => UNMAINTAINED_KEY_TYPES.has(String(type)));
    const strength = spec.collation?.strength;
    this.caseInsensitive = spec.collation !== undefined && typeof strength === 'number' && strength <= 2;
    if (spec.partialFilterExpression) this.partialFilter = new Query(spec.partialFilterExpression, {});
  }

  get name(): string {
    return this.spec.name;
  }

  /**
   * Whether equality on its single field in `filter` can be answered from the hash alone (a
   * superset is fine). A partial index holds only the documents its filter accepts, so, as on
   * mongod, it serves only a query that states that filter: here literally, each of its
   * conditions also a condition of the query (mongod also proves some implications, e.g.
   * `$gte: 8` ⇒ `$gt: 5`; taking fewer is the safe side: never an index mongod would not use).
   */
  servesEqualityLookups(filter: Document): boolean {
    if (!this.maintained || this.fields.length !== 1 || this.spec.sparse) return false;
    return !this.spec.partialFilterExpression || statesFilter(filter, this.spec.partialFilterExpression);
  }

  /** The keys a document contributes, or undefined when the index does not cover it. */
  keysOf(doc: Document): IndexKey[] | undefined {
    if (!this.maintained) return undefined;
    if (this.partialFilter && !this.partialFilter.test(doc)) return undefined;
    const perField = this.fields.map((field) => valuesAtPath(doc, field));
    if (this.spec.sparse && perField.every((values) => values.length === 0)) return undefined;
    let keys: IndexKey[] = [{ canonical: '', values: [] }];
    for (const values of perField) {
      const options = values.length === 0 ? [null] : values;
      const next: IndexKey[] = [];
      for (const key of keys) {
        for (const value of options) {
          next.push({
            canonical: `${key.canonical}\u0000${canonicalKey(value, this.caseInsensitive)}`,
            values: [...key.values, value ?? null],
          });
        }
      }
      keys = next;
    }
    const seen = new Set<string>();
    return keys.filter((key) => !seen.has(key.canonical) && seen.add(key.canonical));
  }

  /** The duplicate-key error inserting `doc` (stored under `id`) would cause, if any. */
  findConflict(doc: Document, id: string): CommandError | undefined {
    if (!this.spec.unique) return undefined;
    for (const key of this.keysOf(doc) ?? []) {
      const holder = this.entries.get(key.canonical);
      if (holder === undefined) continue;
      const clash = typeof holder === 'string' ? holder !== id : [...holder].some((other) => other !== id);
      if (clash) return this.duplicateError(key);
    }
    return undefined;
  }

  duplicateError(key: IndexKey): CommandError {
    const keyValue: Document = {};
    this.fields.forEach((field, i) => (keyValue[field] = key.values[i]));
    return duplicateKeyError(this.namespace, this.name, this.spec.key, keyValue);
  }

  add(doc: Document, id: string): void {
    for (const key of this.keysOf(doc) ?? []) {
      const holder = this.entries.get(key.canonical);
      if (holder === undefined) this.entries.set(key.canonical, id);
      else if (typeof holder === 'string') {
        if (holder !== id) this.entries.set(key.canonical, new Set([holder, id]));
      } else holder.add(id);
    }
  }

  remove(doc: Document, id: string): void {
    for (const key of this.keysOf(doc) ?? []) {
      const holder = this.entries.get(key.canonical);
      if (holder === id) this.entries.delete(key.canonical);
      else if (holder instanceof Set) {
        holder.delete(id);
        if (holder.size === 1) this.entries.set(key.canonical, holder.values().next().value as string);
      }
    }
  }

  idsFor(value: unknown): Iterable<string> {
    const holder = this.entries.get(`\u0000${canonicalKey(value, this.caseInsensitive)}`);
    if (holder === undefined) return [];
    return typeof holder === 'string' ? [holder] : holder;
  }

  /** Builds the index over existing documents, failing like mongod's index build on duplicates. */
  build(docs: Iterable<[string, Document]>): void {
    for (const [id, doc] of docs) {
      const conflict = this.findConflict(doc, id);
      if (conflict) {
        this.entries.clear();
        throw new CommandError(11000, 'DuplicateKey', `Index build failed: ${this.namespace} :: caused by :: ${conflict.message}`, conflict.extra);
      }
      this.add(doc, id);
    }
  }
}

/** Options that make two specs with the same name "the same index" for createIndexes. */
export function sameIndexOptions(a: IndexSpec, b: IndexSpec): boolean {
  const significant = (spec: IndexSpec) =>
    JSON.stringify([!!spec.unique, !!spec.sparse, spec.partialFilterExpression ?? null, spec.collation ?? null, spec.expireAfterSeconds ?? null]);
  return significant(a) === significant(b);
}

export function sameKeyPattern(a: Document, b: Document): boolean {
  return JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b));
}

/** Whether every condition of `required` (a field-level filter) is also one of `filter`. */
function statesFilter(filter: Document, required: Document): boolean {
  return Object.entries(required).every(([field, condition]) => {
    if (field.startsWith('$')) return false;
    const stated = filter[field];
    const isOperators = (value: unknown): value is Document => isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$'));
    if (!isOperators(condition)) return canonicalKey(isOperators(stated) ? stated.$eq : stated) === canonicalKey(condition);
    if (!isOperators(stated)) return false;
    return Object.entries(condition).every(([operator, operand]) => operator in stated && canonicalKey(stated[operator]) === canonicalKey(operand));
  });
}
