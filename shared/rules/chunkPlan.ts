/**
 * A chunk of rows becoming writes: each row's decision (rowDecision.ts), the two rules that
 * need the whole chunk (an external ID given to two rows of one file; a replayed row counted as
 * the first time), the writes that carry the decisions out, and what MongoDB's refusals mean to
 * an admin. Pure: the shell (imports/applyChunk.ts) queries, verifies, hashes and writes.
 *
 * The seam, in the order the shell calls it:
 * 1. `passwordChecks`: the passwords to compare with stored hashes; the shell verifies them.
 * 2. `planChunk`: rows + what the query found + those answers → counts, failures and writes.
 *    A write names the password it still needs hashed (`passwordToHash`): hashing is costly, so
 *    only rows that really write a password get one, and the shell adds the hash as it builds
 *    the MongoDB operation.
 * 3. `settleWrites`: each write's refusal (or none) → counts, failures, and the rows whose user
 *    appeared meanwhile, to plan again against a new query.
 */
import { cellValue, decideRow, type ExistingUser, type NewUser, type RowCells, type RowDecision } from './rowDecision';
import type { ImportSettings } from './importSettings';
import { rowProblem, type RowProblem } from './failureCauses';

/** A data row on its way into a chunk: its cells bound to fields, its identity known. */
export interface ChunkRow {
  row: number;
  record: string[];
  cells: RowCells;
  usernameKey: string;
  duplicateOfRow?: number;
  /** Problems found before any decision (e.g. more cells than the header has columns). */
  problems: RowProblem[];
}

export interface RowFailure {
  row: number;
  record: string[];
  problems: RowProblem[];
}

export interface ChunkOutcome {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  createdUserIds: string[];
  failures: RowFailure[];
}

/** The import and row that last wrote a user, and what that write counted as. */
export interface LastImport {
  importId: string;
  row: number;
  outcome: 'created' | 'updated';
}

/** A user the chunk's query found under a row's username key. */
export interface FoundUser extends ExistingUser {
  passwordHash?: string;
  /**
   * When the user was last written, as the chunk's query read it: the update is conditional on
   * it, so a user changed between that read and the write (an undo, another import) is decided
   * again instead of overwritten.
   */
  updatedAt?: Date | null;
  lastImport?: LastImport;
}

/** The answer of the chunk's one query: users by username key, holders by external ID. */
export interface FoundUsers {
  byKey: ReadonlyMap<string, FoundUser>;
  holders: ReadonlyMap<string, { id: string; username: string }>;
}

export interface ChunkContext {
  importId: string;
  settings: Pick<ImportSettings, 'groupsMode' | 'rolesMode'>;
  /** Exact group name → id. */
  groupIdsByName: ReadonlyMap<string, string>;
  customFieldKeys: readonly string[];
  /** External ID → the row of this file that gives it out, from earlier rounds (and, in a dry run, earlier chunks). */
  claimedExternalIds: ReadonlyMap<string, number>;
  /** Row → whether its password matches the stored hash: the shell's answers to `passwordChecks`. */
  passwordIsCurrent: ReadonlyMap<number, boolean>;
  /** A new user's id: drawn by the shell, as the clock would be. */
  newUserId: () => string;
}

/** A password the shell compares with a found user's stored hash. */
export interface PasswordCheck {
  row: number;
  password: string;
  hash: string;
}

/**
 * One user write, as plain data: an insert of a new user, or an update that `$set`s exactly the
 * changed fields. Both stamp `lastImport`, so that a replay recognises its own write.
 */
export type UserWrite =
  | { kind: 'insert'; row: ChunkRow; userId: string; user: NewUser; lastImport: LastImport; passwordToHash?: string }
  | { kind: 'update'; row: ChunkRow; userId: string; set: Record<string, string | string[]>; lastImport: LastImport; readUpdatedAt: Date | null; passwordToHash?: string };

export interface ChunkPlan {
  /** The rows settled without a write: replayed, unchanged, failed. */
  outcome: ChunkOutcome;
  writes: UserWrite[];
  /** External IDs this plan gives out, by row, for the caller to add to `claimedExternalIds`. */
  claims: Map<string, number>;
  /** The rows counted as replayed: their write (and change record) landed before an interruption. */
  replayed: number[];
}

/**
 * Why MongoDB refused one write, as the data layer read its answer (data/databaseErrors.ts
 * writeRefusalOf): the data layer reports, this file explains. `duplicate_key`: a unique index
 * holds the key already; `write_conflict`: the write met a concurrent one, or (an update whose
 * condition matched nobody) its user changed since the chunk read it; none: any other refusal,
 * which `errmsg` describes.
 */
export interface WriteRefusal {
  reason?: 'duplicate_key' | 'write_conflict';
  errmsg: string;
}

/** An insert that finds its user created meanwhile is planned again this many rounds in all before the row fails. */
export const MAX_ROUNDS = 3;

export function emptyOutcome(): ChunkOutcome {
  return { created: 0, updated: 0, unchanged: 0, failed: 0, createdUserIds: [], failures: [] };
}

/** Adds `more` to `into`, keeping row order: a chunk's outcome is gathered over its rounds. */
export function addOutcome(into: ChunkOutcome, more: ChunkOutcome): void {
  into.created += more.created;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
  into.failed += more.failed;
  into.createdUserIds.push(...more.createdUserIds);
  into.failures.push(...more.failures);
}

/**
 * The passwords worth verifying: a row's own, against the stored hash of the user it names. A
 * row that fails before any decision, a replayed row and a user without a hash need none (no
 * hash means no match, which is what an absent answer means to decideRow).
 */
export function passwordChecks(rows: readonly ChunkRow[], found: FoundUsers, importId: string): PasswordCheck[] {
  const checks: PasswordCheck[] = [];
  for (const row of rows) {
    const existing = found.byKey.get(row.usernameKey);
    const password = row.cells.password;
    if (!existing?.passwordHash || !password?.trim() || row.problems.length > 0 || replayedOutcome(row, existing, importId)) continue;
    checks.push({ row: row.row, password, hash: existing.passwordHash });
  }
  return checks;
}

/** Decides every row of a chunk, in file order, and plans the writes of those that write. */
export function planChunk(rows: readonly ChunkRow[], found: FoundUsers, context: ChunkContext): ChunkPlan {
  const outcome = emptyOutcome();
  const writes: UserWrite[] = [];
  const claims = new Map<string, number>();
  const replayedRows: number[] = [];
  for (const row of rows) {
    const existing = found.byKey.get(row.usernameKey);
    const replayed = replayedOutcome(row, existing, context.importId);
    if (replayed && existing) {
      // This row was written before a crash or an outage, and its write landed: count it as it was.
      outcome[replayed] += 1;
      if (replayed === 'created') outcome.createdUserIds.push(existing.id);
      replayedRows.push(row.row);
      continue;
    }
    const decision = decide(row, existing, found, context);
    if (decision.kind === 'failed') {
      fail(outcome, row, decision.problems);
      continue;
    }
    if (decision.kind === 'unchanged') {
      outcome.unchanged += 1;
      continue;
    }
    const externalId = decision.kind === 'create' ? decision.user.externalId : decision.changes.externalId;
    if (externalId) {
      // The query sees only what is written: an ID given to an earlier row of this file is not there yet.
      const earlier = claims.get(externalId) ?? context.claimedExternalIds.get(externalId);
      if (earlier !== undefined && earlier !== row.row) {
        fail(outcome, row, [rowProblem('external_id_repeated', `External ID "${externalId}" is also given to row ${earlier} of this file. Each user needs a different external ID.`)]);
        continue;
      }
      claims.set(externalId, row.row);
    }
    writes.push(writeOf(row, decision, existing, context));
  }
  return { outcome, writes, claims, replayed: replayedRows };
}

/**
 * What the writes of a round came to: `refused` holds MongoDB's refusals by write index. An
 * insert refused for a duplicate key met a user (or an external ID) created meanwhile by an
 * overlapping import: its row goes `again`, to be decided against that user, until the last
 * round, where it fails like any other refusal.
 */
export function settleWrites(writes: readonly UserWrite[], refused: ReadonlyMap<number, WriteRefusal>, round: number): { outcome: ChunkOutcome; again: ChunkRow[] } {
  const outcome = emptyOutcome();
  const again: ChunkRow[] = [];
  writes.forEach((write, index) => {
    const refusal = refused.get(index);
    if (!refusal) {
      const counted = write.kind === 'insert' ? 'created' : 'updated';
      outcome[counted] += 1;
      if (counted === 'created') outcome.createdUserIds.push(write.userId);
    } else if (((refusal.reason === 'duplicate_key' && write.kind === 'insert') || refusal.reason === 'write_conflict') && round < MAX_ROUNDS) {
      again.push(write.row);
    } else {
      fail(outcome, write.row, [writeRefusalProblem(refusal)]);
    }
  });
  return { outcome, again };
}

/** A refused write in the admin's words: what happened, and what to do about it. */
export function writeRefusalProblem(refusal: WriteRefusal): RowProblem {
  if (refusal.reason === 'duplicate_key' && refusal.errmsg.includes('externalId')) {
    return rowProblem('external_id_taken_meanwhile', 'Another user took this external ID while the import ran. Give this user a different external ID, or re-run this row.');
  }
  if (refusal.reason === 'duplicate_key') return rowProblem('created_meanwhile', 'This username was created by someone else while the import ran. Re-run this row to update that user.');
  if (refusal.reason === 'write_conflict') {
    return rowProblem('changed_meanwhile', 'This user kept being changed by someone else (another import, an undo) while the import wrote it, so it was left as it is. Retry this row.');
  }
  return rowProblem('write_refused', `The database refused this row (${refusal.errmsg.slice(0, 200)}). Re-run it; if it fails again, contact support.`);
}

/** The outcome this import's earlier write of this very row had, if the user carries one. */
function replayedOutcome(row: ChunkRow, existing: FoundUser | undefined, importId: string): LastImport['outcome'] | undefined {
  const last = existing?.lastImport;
  return last && last.importId === importId && last.row === row.row ? last.outcome : undefined;
}

function decide(row: ChunkRow, existing: FoundUser | undefined, found: FoundUsers, context: ChunkContext): RowDecision {
  if (row.problems.length > 0) return { kind: 'failed', problems: row.problems };
  const externalId = cellValue(row.cells.externalId);
  return decideRow(row.cells, {
    settings: context.settings,
    groupIdsByName: context.groupIdsByName,
    customFieldKeys: context.customFieldKeys,
    existing,
    duplicateOfRow: row.duplicateOfRow,
    externalIdHolder: externalId ? found.holders.get(externalId) : undefined,
    passwordIsCurrent: context.passwordIsCurrent.get(row.row),
  });
}

function writeOf(row: ChunkRow, decision: Extract<RowDecision, { kind: 'create' | 'update' }>, existing: FoundUser | undefined, context: ChunkContext): UserWrite {
  const password = decision.password ? { passwordToHash: decision.password } : {};
  if (decision.kind === 'create') {
    const lastImport: LastImport = { importId: context.importId, row: row.row, outcome: 'created' };
    return { kind: 'insert', row, userId: context.newUserId(), user: decision.user, lastImport, ...password };
  }
  const set: Record<string, string | string[]> = {};
  for (const [field, value] of Object.entries(decision.changes)) {
    // One key per custom field: the user's other custom values stay as they are.
    if (field === 'customFields') for (const [key, text] of Object.entries(value as Record<string, string>)) set[`customFields.${key}`] = text;
    else set[field] = value as string | string[];
  }
  const lastImport: LastImport = { importId: context.importId, row: row.row, outcome: 'updated' };
  return { kind: 'update', row, userId: decision.userId, set, lastImport, readUpdatedAt: existing?.updatedAt ?? null, ...password };
}

function fail(outcome: ChunkOutcome, row: ChunkRow, problems: RowProblem[]): void {
  outcome.failed += 1;
  outcome.failures.push({ row: row.row, record: row.record, problems });
}
