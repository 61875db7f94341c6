import { Long, type Document } from 'bson';
import { Query } from 'mingo';
import { adoptLongs, exportDocument } from '../bsonValues';
import type { CursorRegistry, Presenter } from '../cursors';
import { CommandError, asCommandError } from '../errors';
import { mingoOptions, type MatchOptions } from '../query';
import type { Store } from '../store';
import { FieldRules } from './fields';

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
}

export interface CommandContext {
  store: Store;
  cursors: CursorRegistry;
  connection: ConnectionInfo;
  /** The command's `$db`. */
  database: string;
  /** Live connection count, for serverStatus. */
  connectionCount(): number;
  startedAt: number;
}

/** Handlers run synchronously, so every command is atomic with respect to every other. */
export type CommandHandler = (command: Document, context: CommandContext) => Document;

export interface CommandDefinition {
  /** mongod's name for the command (aliases such as `ismaster` share one definition): its error paths start with it. */
  name: string;
  run: CommandHandler;
  /** The top-level fields it understands; undefined for the few commands that take any (see `anyFields`). */
  fields?: FieldRules;
  /** Why a command without `fields` takes any field. */
  anyFieldsBecause?: string;
}

/**
 * A command that refuses every field it does not understand, as mongod's strict IDL commands do.
 * `accepted` is what the handler reads or what cannot change its outcome here; `unimplemented`
 * is what mongod 7.0 knows and this server does not do (see FieldRules).
 */
export function strictCommand(name: string, run: CommandHandler, accepted: readonly string[], unimplemented: readonly string[] = []): CommandDefinition {
  return { name, run, fields: new FieldRules(accepted, unimplemented) };
}

/**
 * A command whose field names are data, not options (`getParameter`'s parameter names,
 * `serverStatus`'s sections), or one that refuses itself whatever it carries. `why` documents it.
 */
export function anyFields(name: string, run: CommandHandler, why: string): CommandDefinition {
  return { name, run, anyFieldsBecause: why };
}

/** The collection a command names in its first field, validated like mongod does. */
export function collectionArgument(command: Document): string {
  const [name, value] = Object.entries(command)[0];
  if (typeof value !== 'string' || value.length === 0) {
    throw new CommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof value} for command '${name}'`);
  }
  return value;
}

/** A numeric command field, which clients may send as int32, int64 or double. */
export function numberArgument(value: unknown, fallback: number): number;
export function numberArgument(value: unknown, fallback?: number): number | undefined;
export function numberArgument(value: unknown, fallback?: number): number | undefined {
  if (value instanceof Long) return value.toNumber();
  if (typeof value === 'number') return value;
  return fallback;
}

/** A filter, pipeline or other user value, brought to mingo's value model. */
export function userValue<T>(value: T): T {
  return adoptLongs(value) as T;
}

export function matchOptions(command: Document): MatchOptions {
  return { collation: command.collation, variables: command.let };
}

/** Turns stored documents into what the client receives, applying a find-style projection. */
/**
 * `{a: 0, b: false}` on top-level fields: the documents without those fields, in their order,
 * as mongod returns them. Done by hand because mingo's general projection is most of the cost of
 * reading a large collection with `select: false` fields. Undefined for any other projection.
 */
function topLevelExclusions(projection: Document): Set<string> | undefined {
  const keys = Object.keys(projection);
  const simple = keys.every((key) => (projection[key] === 0 || projection[key] === false) && !key.includes('.') && !key.startsWith('$'));
  return simple ? new Set(keys) : undefined;
}

export function projector(filter: Document, projection: Document | undefined, options: MatchOptions): Presenter {
  if (!projection || Object.keys(projection).length === 0) return (docs) => docs.map((doc) => exportDocument(doc));
  const excluded = topLevelExclusions(projection);
  if (excluded) {
    return (docs) => docs.map((doc) => {
      const kept: Document = {};
      for (const key of Object.keys(doc)) if (!excluded.has(key)) kept[key] = doc[key];
      return exportDocument(kept, doc);
    });
  }
  const positional = Object.keys(projection).some((path) => path.endsWith('.$'));
  let query: Query;
  try {
    query = new Query(positional ? filter : {}, mingoOptions(options));
  } catch (error) {
    throw asCommandError(error);
  }
  return (docs) => {
    let projected: Document[];
    try {
      projected = query.find<Document>(docs, projection).all();
    } catch (error) {
      throw asCommandError(error);
    }
    // Without a positional path the query is {}, so mingo projects every input, in order. A
    // positional projection re-applies the filter, which an updated document may no longer pass.
    if (projected.length !== docs.length) {
      throw new CommandError(51246, 'Location51246', "Executor error during find command :: caused by :: positional operator '.$' couldn't find a matching element in the array");
    }
    return projected.map((doc, i) => exportDocument(doc, docs[i]));
  };
}
