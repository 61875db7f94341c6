import { DBRef, ObjectId, UUID, type Document } from 'bson';
import { adoptDocument, canonicalKey, isPlainObject, withIdFirst } from './bsonValues';
import { CommandError, namespaceNotFound } from './errors';
import { Index, duplicateKeyError, sameIndexOptions, sameKeyPattern, type IndexSpec } from './indexes';

const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

export class Collection {
  /** canonical `_id` → document, in insertion order; this map is also the `_id_` index. */
  readonly docs = new Map<string, Document>();
  readonly indexes: Index[] = [];
  readonly uuid = new UUID();

  constructor(
    readonly database: string,
    readonly name: string,
    readonly options: Document = {},
  ) {}

  get namespace(): string {
    return `${this.database}.${this.name}`;
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...this.indexes.map((index) => index.spec)];
  }

  /** Stores a document freshly decoded from the wire (it is not copied). */
  insert(incoming: Document): Document {
    if (incoming._id === undefined) incoming = { _id: new ObjectId(), ...incoming };
    const doc = withIdFirst(adoptDocument(incoming));
    assertValidId(doc._id);
    const id = canonicalKey(doc._id);
    if (this.docs.has(id)) throw duplicateKeyError(this.namespace, '_id_', { _id: 1 }, { _id: doc._id });
    for (const index of this.indexes) {
      const conflict = index.findConflict(doc, id);
      if (conflict) throw conflict;
    }
    this.docs.set(id, doc);
    for (const index of this.indexes) index.add(doc, id);
    return doc;
  }

  /** Swaps a stored document for its updated version, enforcing unique indexes first. */
  replace(previous: Document, next: Document): void {
    const id = canonicalKey(previous._id);
    if (canonicalKey(next._id) !== id) {
      throw new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    for (const index of this.indexes) {
      const conflict = index.findConflict(next, id);
      if (conflict) throw conflict;
    }
    for (const index of this.indexes) index.remove(previous, id);
    for (const index of this.indexes) index.add(next, id);
    this.docs.set(id, next);
  }

  remove(doc: Document): void {
    const id = canonicalKey(doc._id);
    if (!this.docs.delete(id)) return;
    for (const index of this.indexes) index.remove(doc, id);
  }

  /** Returns false when an identical index already exists (mongod then reports "all indexes already exist"). */
  createIndex(spec: IndexSpec): boolean {
    for (const existing of this.indexSpecs()) {
      const sameName = existing.name === spec.name;
      const sameKey = sameKeyPattern(existing.key, spec.key);
      const sameOptions = sameIndexOptions(existing, spec);
      if (sameName && sameKey && sameOptions) return false;
      if (sameName && !sameKey) {
        throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing)}`);
      }
      if (sameName) {
        throw new CommandError(85, 'IndexOptionsConflict', `An existing index has the same name as the requested index but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing)}`);
      }
      // mongod allows several indexes on one key pattern only when their collation or partial filter tells them apart.
      const distinguishable =
        JSON.stringify(existing.collation ?? null) !== JSON.stringify(spec.collation ?? null) ||
        JSON.stringify(existing.partialFilterExpression ?? null) !== JSON.stringify(spec.partialFilterExpression ?? null);
      if (sameKey && !distinguishable) {
        throw new CommandError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${existing.name}`);
      }
    }
    const index = new Index(spec, this.namespace);
    index.build(this.docs.entries());
    this.indexes.push(index);
    return true;
  }

  dropIndex(name: string): void {
    if (name === '_id_') throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index');
    const position = this.indexes.findIndex((index) => index.name === name);
    if (position < 0) throw new CommandError(27, 'IndexNotFound', `index not found with name [${name}]`);
    this.indexes.splice(position, 1);
  }
}

function assertValidId(value: unknown): void {
  if (Array.isArray(value)) throw new CommandError(53, 'InvalidIdField', "The '_id' value cannot be of type array");
  if (value instanceof RegExp) throw new CommandError(53, 'InvalidIdField', "The '_id' value cannot be of type regex");
}

/**
 * mongod refuses to store an `_id` holding a `$`-prefixed field name at any depth (BSONObj's
 * storageValidEmbedded, run by insert), a DBRef's `$ref`, `$id` and `$db` apart. Checked by
 * the insert command, where mongod reports it per document as a write error.
 */
export function assertStorableId(doc: Document): void {
  const id = doc._id;
  if (!isPlainObject(id)) return;
  const offending = dollarPrefixedField(id);
  if (offending !== undefined) {
    throw new CommandError(52, 'DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${offending} is not valid for storage.`);
  }
}

function dollarPrefixedField(value: unknown): string | undefined {
  // The BSON decoder turns a well-formed {$ref, $id[, $db]} into a DBRef; its extra fields stay plain.
  if (value instanceof DBRef) return dollarPrefixedField(value.fields);
  if (Array.isArray(value)) {
    for (const element of value) {
      const found = dollarPrefixedField(element);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith('$')) return key;
    const found = dollarPrefixedField(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** All databases of one server. Databases and collections spring into existence on first write. */
export class Store {
  readonly databases = new Map<string, Map<string, Collection>>();

  collection(database: string, name: string): Collection | undefined {
    return this.databases.get(database)?.get(name);
  }

  requireCollection(database: string, name: string): Collection {
    const collection = this.collection(database, name);
    if (!collection) throw namespaceNotFound(`ns does not exist: ${database}.${name}`);
    return collection;
  }

  /** Returns the collection, creating it (implicitly, like a first insert does) when missing. */
  ensureCollection(database: string, name: string, options: Document = {}): Collection {
    let collections = this.databases.get(database);
    if (!collections) this.databases.set(database, (collections = new Map()));
    let collection = collections.get(name);
    if (!collection) {
      assertValidCollectionName(database, name);
      collection = new Collection(database, name, options);
      collections.set(name, collection);
    }
    return collection;
  }

  dropCollection(database: string, name: string): Collection | undefined {
    const collections = this.databases.get(database);
    const collection = collections?.get(name);
    collections?.delete(name);
    if (collections && collections.size === 0) this.databases.delete(database);
    return collection;
  }

  dropDatabase(database: string): void {
    this.databases.delete(database);
  }
}

function assertValidCollectionName(database: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('$') || name.includes('\0')) {
    throw new CommandError(73, 'InvalidNamespace', `Invalid namespace specified '${database}.${name}'`);
  }
}
