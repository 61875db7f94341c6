import { BSON, ObjectId, type Document } from 'bson';
import { Aggregator } from 'mingo';
import { update as applyModifier } from 'mingo/updater';
import {
  adoptDocument, adoptLongs, cloneDocument, deepClone, getPath, int64PathsOf, isPlainObject,
  rememberInt64Paths, setPath, withIdFirst,
} from './bsonValues';
import { CommandError, asCommandError, failedToParse, typeMismatch } from './errors';
import { mingoOptions, type MatchOptions } from './query';

type UpdateKind = 'operators' | 'replacement' | 'pipeline';

/** Operators after which an int64 at the assigned path stays int64 (int64 + int32 is int64). */
const ARITHMETIC = new Set(['$inc', '$mul', '$bit']);
/** Operators whose assigned value decides the stored type at that path. */
const ASSIGNING = new Set(['$set', '$setOnInsert', '$inc', '$mul', '$min', '$max']);

export interface UpdateOutcome {
  doc: Document;
  changed: boolean;
}

/**
 * One `u` of an update statement, prepared once and applied to every matched document.
 * Operator semantics are mingo's; this adds what mingo lacks: `$setOnInsert`, the upsert seed
 * document, mongod's type and conflict checks, and int64 bookkeeping.
 */
export class PreparedUpdate {
  readonly kind: UpdateKind;
  private readonly modifier: Document = {};
  private readonly setOnInsert: Document = {};
  private readonly int64Assigned: string[] = [];
  private readonly usesPositional: boolean;

  constructor(
    private readonly spec: Document | Document[],
    private readonly arrayFilters: Document[] | undefined,
    private readonly options: MatchOptions,
  ) {
    this.kind = classify(spec);
    if (this.kind === 'operators') {
      for (const [operator, fields] of Object.entries(spec as Document)) {
        if (!isPlainObject(fields)) throw failedToParse(`Modifiers operate on fields but we found type ${typeof fields} instead. For example: {$mod: {<field>: ...}} not {${operator}: ${String(fields)}}`);
        for (const field of Object.keys(fields)) {
          const record = ASSIGNING.has(operator) && !field.includes('$');
          fields[field] = adoptLongs(fields[field], field, record ? this.int64Assigned : undefined);
        }
        if (operator === '$setOnInsert') Object.assign(this.setOnInsert, fields);
        else this.modifier[operator] = fields;
      }
      assertNoConflicts(this.modifier);
    } else if (this.kind === 'replacement') {
      adoptDocument(spec as Document);
    }
    this.usesPositional = this.kind === 'operators' && Object.values(this.modifier).some((fields) => Object.keys(fields).some((path) => /(^|\.)\$(\.|$)/.test(path)));
  }

  applyTo(previous: Document, filter: Document): UpdateOutcome {
    try {
      if (this.kind === 'replacement') {
        const replacement = deepClone(this.spec as Document);
        const next = withIdFirst({ ...replacement, _id: replacement._id !== undefined ? replacement._id : previous._id });
        rememberInt64Paths(next, int64PathsOf(this.spec as Document));
        return { doc: next, changed: !sameBytes(previous, next) };
      }
      if (this.kind === 'pipeline') {
        const next = this.runPipeline(cloneDocument(previous));
        return { doc: next, changed: !sameBytes(previous, next) };
      }
      if (Object.keys(this.modifier).length === 0) return { doc: previous, changed: false };
      const next = cloneDocument(previous);
      const changedPaths = this.applyModifier(next, this.modifier, this.usesPositional ? filter : undefined);
      rememberInt64Paths(next, this.int64PathsAfter(previous));
      return { doc: next, changed: changedPaths.length > 0 };
    } catch (error) {
      throw asCommandError(error);
    }
  }

  /** The document an upsert inserts: the filter's equality fields, then the update. */
  buildInsert(filter: Document): Document {
    try {
      const seed: Document = {};
      for (const [path, value] of equalityFields(filter)) setPath(seed, path, deepClone(value));
      let doc: Document;
      if (this.kind === 'replacement') {
        doc = deepClone(this.spec as Document);
        if (doc._id === undefined && seed._id !== undefined) doc._id = seed._id;
        rememberInt64Paths(doc, int64PathsOf(this.spec as Document));
      } else if (this.kind === 'pipeline') {
        doc = this.runPipeline(seed);
      } else {
        const modifier: Document = { ...this.modifier };
        if (Object.keys(this.setOnInsert).length > 0) modifier.$set = { ...(modifier.$set ?? {}), ...this.setOnInsert };
        assertNoConflicts({ ...this.modifier, $setOnInsert: this.setOnInsert });
        this.applyModifier(seed, modifier, undefined);
        doc = seed;
        rememberInt64Paths(doc, this.int64Assigned);
      }
      if (doc._id === undefined) {
        const paths = int64PathsOf(doc);
        doc = { _id: new ObjectId(), ...doc };
        rememberInt64Paths(doc, paths);
      }
      return withIdFirst(doc);
    } catch (error) {
      throw asCommandError(error);
    }
  }

  private applyModifier(doc: Document, modifier: Document, condition: Document | undefined): string[] {
    for (const operator of ['$inc', '$mul']) {
      for (const path of Object.keys(modifier[operator] ?? {})) {
        const current = path.includes('$') ? undefined : getPath(doc, path);
        if (current !== undefined && typeof current !== 'number') {
          throw typeMismatch(`Cannot apply ${operator} to a value of non-numeric type. {_id: ${String(doc._id)}} has the field '${path}' of non-numeric type ${current === null ? 'null' : Array.isArray(current) ? 'array' : typeof current}`);
        }
      }
    }
    // mingo refuses any write to `_id`, even of the same value; mongod allows that and only
    // refuses a change, which Collection.replace detects. So mingo is told of no id field.
    const queryOptions = { ...mingoOptions(this.options), idKey: '\u0000id-checked-by-store' };
    return applyModifier(doc, modifier, this.arrayFilters, condition, { queryOptions });
  }

  private runPipeline(doc: Document): Document {
    const [next] = new Aggregator(this.spec as Document[], mingoOptions(this.options)).run<Document>([doc]);
    return withIdFirst(next);
  }

  private int64PathsAfter(previous: Document): string[] {
    const reassigned: string[] = [];
    for (const [operator, fields] of Object.entries(this.modifier)) {
      if (ARITHMETIC.has(operator)) continue;
      for (const path of Object.keys(fields)) reassigned.push(path.split('.$')[0]);
    }
    const kept = int64PathsOf(previous).filter((path) => !reassigned.some((prefix) => path === prefix || path.startsWith(`${prefix}.`)));
    return [...kept, ...this.int64Assigned];
  }
}

function classify(spec: unknown): UpdateKind {
  if (Array.isArray(spec)) return 'pipeline';
  if (!isPlainObject(spec)) throw failedToParse('Update argument must be either an object or an array');
  const keys = Object.keys(spec);
  if (keys.length === 0 || !keys[0].startsWith('$')) return 'replacement';
  const stray = keys.find((key) => !key.startsWith('$'));
  if (stray) throw failedToParse(`Unknown modifier: ${stray}. Expected a valid update modifier or pipeline-style update specified as an array`);
  return 'operators';
}

function assertNoConflicts(modifier: Document): void {
  const paths: string[] = [];
  for (const fields of Object.values(modifier)) paths.push(...Object.keys(fields as Document));
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = paths[i].length <= paths[j].length ? [paths[i], paths[j]] : [paths[j], paths[i]];
      if (a === b || b.startsWith(`${a}.`)) {
        throw new CommandError(40, 'ConflictingUpdateOperators', `Updating the path '${b}' would create a conflict at '${a}'`);
      }
    }
  }
}

/** The `{field: value}` and `{field: {$eq: value}}` predicates mongod copies into an upserted document. */
function equalityFields(filter: Document): Array<[string, unknown]> {
  const found: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) found.push(...equalityFields(clause));
    } else if (!key.startsWith('$')) {
      const isOperators = isPlainObject(value) && Object.keys(value).some((inner) => inner.startsWith('$'));
      if (!isOperators && !(value instanceof RegExp)) found.push([key, value]);
      else if (isOperators && '$eq' in value && Object.keys(value).length === 1) found.push([key, value.$eq]);
    }
  }
  return found;
}

function sameBytes(a: Document, b: Document): boolean {
  return Buffer.from(BSON.serialize(a)).equals(BSON.serialize(b));
}
