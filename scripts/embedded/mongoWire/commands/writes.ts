import type { Document } from 'bson';
import { isPlainObject } from '../bsonValues';
import { CommandError, asCommandError, failedToParse } from '../errors';
import { matchingDocuments, selectDocuments, type MatchOptions } from '../query';
import { assertStorableId, type Collection } from '../store';
import { PreparedUpdate } from '../updates';
import { collectionArgument, numberArgument, projector, strictCommand, userValue, type CommandDefinition, type CommandHandler } from './context';
import { FieldRules } from './fields';

const MAX_WRITE_BATCH_SIZE = 100_000;

/**
 * Runs each statement of a write batch. Ordered batches stop at the first failure; unordered
 * ones go on. Either way each failure is reported with its index in the batch.
 */
function runBatch<T>(command: Document, statements: T[] | undefined, run: (statement: T, index: number) => void): Document[] {
  if (!Array.isArray(statements) || statements.length === 0 || statements.length > MAX_WRITE_BATCH_SIZE) {
    throw new CommandError(16, 'InvalidLength', `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${statements?.length ?? 0} operations.`);
  }
  const ordered = command.ordered !== false;
  const writeErrors: Document[] = [];
  for (let index = 0; index < statements.length; index++) {
    try {
      run(statements[index], index);
    } catch (error) {
      writeErrors.push(asCommandError(error).toWriteError(index));
      if (ordered) break;
    }
  }
  return writeErrors;
}

function withWriteErrors(reply: Document, writeErrors: Document[]): Document {
  return writeErrors.length > 0 ? { ...reply, writeErrors, ok: 1 } : { ...reply, ok: 1 };
}

function firstMatches(collection: Collection | undefined, filter: Document, options: MatchOptions, max: number): Document[] {
  const found: Document[] = [];
  if (max <= 0) return found;
  for (const doc of matchingDocuments(collection, filter, options)) {
    found.push(doc);
    if (found.length >= max) break;
  }
  return found;
}

const insert: CommandHandler = (command, { store, database }) => {
  const collection = store.ensureCollection(database, collectionArgument(command));
  let n = 0;
  const writeErrors = runBatch<Document>(command, command.documents, (doc) => {
    assertStorableId(doc);
    collection.insert(doc);
    n++;
  });
  return withWriteErrors({ n }, writeErrors);
};

/** An update statement's `c` adds to the command's `let`: both are variables (`$$name`) of its pipeline and `$expr`. */
function statementOptions(command: Document, statement: Document): MatchOptions {
  const variables = statement.c === undefined ? command.let : { ...command.let, ...statement.c };
  return { collation: statement.collation, variables };
}

/**
 * The fields of one update statement (mongod 7.0's UpdateOpEntry). `sort` is not among them:
 * an update statement's sort arrived in MongoDB 8.0, and 7.0 refuses it as an unknown field.
 */
const UPDATE_STATEMENT_FIELDS = new FieldRules(['q', 'u', 'c', 'upsert', 'multi', 'arrayFilters', 'collation'], ['hint', 'upsertSupplied', 'sampleId', '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery']);
/** The fields of one delete statement (mongod 7.0's DeleteOpEntry). */
const DELETE_STATEMENT_FIELDS = new FieldRules(['q', 'limit', 'collation'], ['hint', 'sampleId']);

/** mongod parses every statement before running any: one bad field fails the whole command. */
function checkStatements(statements: unknown, rules: FieldRules, context: string): void {
  if (!Array.isArray(statements)) return;
  for (const statement of statements) if (isPlainObject(statement)) rules.check(statement, context, { command: false });
}

const update: CommandHandler = (command, { store, database }) => {
  const name = collectionArgument(command);
  checkStatements(command.updates, UPDATE_STATEMENT_FIELDS, 'update.updates');
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = runBatch<Document>(command, command.updates, (statement, index) => {
    const options = statementOptions(command, statement);
    const filter = userValue(statement.q ?? {});
    const prepared = new PreparedUpdate(statement.u, statement.arrayFilters && userValue(statement.arrayFilters), options);
    if (statement.multi && prepared.kind === 'replacement') throw failedToParse('multi update is not supported for replacement-style update');
    const collection = statement.upsert ? store.ensureCollection(database, name) : store.collection(database, name);
    const matches = firstMatches(collection, filter, options, statement.multi ? Infinity : 1);
    if (matches.length === 0 && statement.upsert && collection) {
      const stored = collection.insert(prepared.buildInsert(filter));
      n += 1;
      upserted.push({ index, _id: stored._id });
      return;
    }
    let matched = 0;
    let modified = 0;
    for (const doc of matches) {
      const outcome = prepared.applyTo(doc, filter);
      if (outcome.changed) {
        collection!.replace(doc, outcome.doc);
        modified++;
      }
      matched++;
    }
    n += matched;
    nModified += modified;
  });
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return withWriteErrors(reply, writeErrors);
};

const deleteCommand: CommandHandler = (command, { store, database }) => {
  const collection = store.collection(database, collectionArgument(command));
  checkStatements(command.deletes, DELETE_STATEMENT_FIELDS, 'delete.deletes');
  let n = 0;
  for (const statement of Array.isArray(command.deletes) ? command.deletes : []) {
    const limit = numberArgument(statement.limit, 0);
    if (limit !== 0 && limit !== 1) throw failedToParse(`The limit field in delete objects must be 0 or 1. Got ${limit}`);
  }
  const writeErrors = runBatch<Document>(command, command.deletes, (statement) => {
    const limit = numberArgument(statement.limit, 0);
    const matches = firstMatches(collection, userValue(statement.q ?? {}), statementOptions(command, statement), limit === 1 ? 1 : Infinity);
    for (const doc of matches) collection!.remove(doc);
    n += matches.length;
  });
  return withWriteErrors({ n }, writeErrors);
};

const findAndModify: CommandHandler = (command, { store, database }) => {
  const name = collectionArgument(command);
  const options: MatchOptions = { collation: command.collation, variables: command.let };
  const filter = userValue(command.query ?? {});
  if (command.remove && command.update !== undefined) throw failedToParse('Cannot specify both an update and remove=true');
  if (!command.remove && command.update === undefined) throw failedToParse('Either an update or remove=true must be specified');
  if (command.remove && (command.upsert || command.new)) throw failedToParse('Cannot specify both upsert=true and remove=true');
  const present = projector(filter, command.fields, options);
  const collection: Collection | undefined = command.upsert ? store.ensureCollection(database, name) : store.collection(database, name);
  const match = selectDocuments(collection, filter, { ...options, sort: command.sort, limit: 1 }).next();
  const found = match.done ? undefined : match.value;

  if (command.remove) {
    if (!found) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
    collection!.remove(found);
    return { lastErrorObject: { n: 1 }, value: present([found])[0], ok: 1 };
  }
  const prepared = new PreparedUpdate(command.update, command.arrayFilters && userValue(command.arrayFilters), options);
  if (found) {
    const outcome = prepared.applyTo(found, filter);
    if (outcome.changed) collection!.replace(found, outcome.doc);
    return { lastErrorObject: { n: 1, updatedExisting: true }, value: present([command.new ? outcome.doc : found])[0], ok: 1 };
  }
  if (command.upsert && collection) {
    const stored = collection.insert(prepared.buildInsert(filter));
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: stored._id }, value: command.new ? present([stored])[0] : null, ok: 1 };
  }
  return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
};

/**
 * Fields of every write command (mongod's WriteCommandBase). bypassDocumentValidation is accepted:
 * this server validates no documents (create refuses `validator`), so there is nothing to bypass.
 */
const WRITE_COMMAND_FIELDS = ['ordered', 'bypassDocumentValidation'];
const WRITE_COMMAND_UNIMPLEMENTED = ['stmtIds', 'collectionUUID', 'encryptionInformation', 'isTimeseriesNamespace', 'runtimeConstants'];

export const writeCommands: Record<string, CommandDefinition> = {
  insert: strictCommand('insert', insert, ['documents', ...WRITE_COMMAND_FIELDS], WRITE_COMMAND_UNIMPLEMENTED),
  update: strictCommand('update', update, ['updates', 'let', ...WRITE_COMMAND_FIELDS], WRITE_COMMAND_UNIMPLEMENTED),
  delete: strictCommand('delete', deleteCommand, ['deletes', 'let', ...WRITE_COMMAND_FIELDS], WRITE_COMMAND_UNIMPLEMENTED),
  findAndModify: strictCommand(
    'findAndModify',
    findAndModify,
    ['query', 'fields', 'sort', 'collation', 'arrayFilters', 'remove', 'update', 'new', 'upsert', 'let', 'bypassDocumentValidation'],
    ['hint', 'runtimeConstants', 'encryptionInformation', 'sampleId', '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery'],
  ),
};
