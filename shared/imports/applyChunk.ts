import { MongoBulkWriteError, ObjectId, type AnyBulkWriteOperation } from 'mongodb';
import { UserModel } from '../directory/userModel';
import { hashPassword, passwordMatches } from '../directory/passwordHashing';
import type { ImportSettings } from './importSettings';
import type { DirectorySnapshot } from './importDirectory';
import { cellValue, decideRow, type ExistingUser, type RowCells, type RowDecision } from './rowDecision';

/** A data row on its way into a chunk: its cells bound to fields, its identity known. */
export interface ChunkRow {
  row: number;
  record: string[];
  cells: RowCells;
  usernameKey: string;
  duplicateOfRow?: number;
  /** Problems found before any decision (e.g. more cells than the header has columns). */
  problems: string[];
}

export interface RowFailure {
  row: number;
  record: string[];
  messages: string[];
}

export interface ChunkOutcome {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  createdUserIds: string[];
  failures: RowFailure[];
}

export interface ChunkJob {
  jobId: ObjectId;
  settings: ImportSettings;
  /**
   * External IDs given out by earlier chunks of a dry run, which wrote nothing the next chunk's
   * query could find: without them a dry run would miss clashes a real run reports.
   */
  dryRunExternalIds?: Map<string, number>;
}

type LeanUser = {
  _id: ObjectId;
  username: string;
  usernameKey: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  groupIds?: ObjectId[];
  roles?: string[];
  passwordHash?: string | null;
  externalId?: string | null;
  customFields?: Record<string, string>;
  lastImport?: { jobId?: ObjectId; row?: number; outcome?: 'created' | 'updated' } | null;
};

/**
 * Applies one chunk of rows: one query for the users they name and the holders of their
 * external IDs, the domain's decision per row, and one unordered bulk write (MongoDB runs it as
 * one insert and one update command). Nothing here
 * commits progress; the caller does that together with the counts.
 */
export async function applyChunk(rows: ChunkRow[], job: ChunkJob, directory: DirectorySnapshot): Promise<ChunkOutcome> {
  const outcome: ChunkOutcome = { created: 0, updated: 0, unchanged: 0, failed: 0, createdUserIds: [], failures: [] };
  const { byKey: existingByKey, holders: holdersByExternalId } = await findChunkUsers(rows);
  // External ID → the row of this file that gives it out (earlier dry-run chunks included).
  const claimedExternalIds = job.dryRunExternalIds ?? new Map<string, number>();

  const planned: Array<{ row: ChunkRow; operation: AnyBulkWriteOperation; outcome: 'created' | 'updated'; userId: string }> = [];
  const fail = (row: ChunkRow, messages: string[]) => {
    outcome.failed += 1;
    outcome.failures.push({ row: row.row, record: row.record, messages });
  };

  const decisions = await Promise.all(rows.map((row) => decide(row, existingByKey.get(row.usernameKey), holdersByExternalId, job, directory)));
  for (const [index, row] of rows.entries()) {
    const existing = existingByKey.get(row.usernameKey);
    const decision = decisions[index];
    const replayed = existing?.lastImport?.jobId?.equals(job.jobId) && existing.lastImport.row === row.row ? existing.lastImport.outcome : undefined;
    if (replayed && existing) {
      // This chunk ran before a crash and its write landed: count it exactly as it was.
      outcome[replayed] += 1;
      if (replayed === 'created') outcome.createdUserIds.push(String(existing._id));
      continue;
    }
    if (decision.kind === 'failed') {
      fail(row, decision.messages);
      continue;
    }
    if (decision.kind === 'unchanged') {
      outcome.unchanged += 1;
      continue;
    }
    const externalId = decision.kind === 'create' ? decision.user.externalId : decision.changes.externalId;
    if (externalId) {
      const earlier = claimedExternalIds.get(externalId);
      if (earlier !== undefined && earlier !== row.row) {
        fail(row, [`External ID "${externalId}" is also given to row ${earlier} of this file. Each user needs a different external ID.`]);
        continue;
      }
      claimedExternalIds.set(externalId, row.row);
    }
    planned.push(await planWrite(row, decision, job));
  }

  const failedWrites = job.settings.dryRun ? new Map<number, string>() : await writeUsers(planned.map((plan) => plan.operation));
  for (const [index, plan] of planned.entries()) {
    const writeError = failedWrites.get(index);
    if (writeError) {
      fail(plan.row, [writeError]);
    } else {
      outcome[plan.outcome] += 1;
      if (plan.outcome === 'created') outcome.createdUserIds.push(plan.userId);
    }
  }
  return outcome;
}

async function decide(
  row: ChunkRow,
  existing: LeanUser | undefined,
  holders: Map<string, { id: string; username: string }>,
  job: ChunkJob,
  directory: DirectorySnapshot,
): Promise<RowDecision> {
  if (row.problems.length > 0) return { kind: 'failed', messages: row.problems };
  const password = row.cells.password;
  const passwordIsCurrent = existing && password?.trim() ? await passwordMatches(existing.passwordHash, password) : undefined;
  const externalId = cellValue(row.cells.externalId);
  return decideRow(row.cells, {
    settings: job.settings,
    groupIdsByName: directory.groupIdsByName,
    customFieldKeys: directory.customFields.map((field) => field.key),
    existing: existing ? toExistingUser(existing) : undefined,
    duplicateOfRow: row.duplicateOfRow,
    externalIdHolder: externalId ? holders.get(externalId) : undefined,
    passwordIsCurrent,
  });
}

async function planWrite(row: ChunkRow, decision: Extract<RowDecision, { kind: 'create' | 'update' }>, job: ChunkJob) {
  const passwordHash = decision.password ? await hashPassword(decision.password) : undefined;
  if (decision.kind === 'create') {
    const _id = new ObjectId();
    const { user } = decision;
    const document = {
      _id,
      ...user,
      groupIds: user.groupIds.map((id) => new ObjectId(id)),
      ...(passwordHash ? { passwordHash } : {}),
      lastImport: { jobId: job.jobId, row: row.row, outcome: 'created' as const },
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    return { row, operation: { insertOne: { document } } as AnyBulkWriteOperation, outcome: 'created' as const, userId: String(_id) };
  }
  const set: Record<string, unknown> = { lastImport: { jobId: job.jobId, row: row.row, outcome: 'updated' }, updatedAt: new Date() };
  for (const [field, value] of Object.entries(decision.changes)) {
    if (field === 'customFields') {
      for (const [key, text] of Object.entries(value as Record<string, string>)) set[`customFields.${key}`] = text;
    } else if (field === 'groupIds') {
      set.groupIds = (value as string[]).map((id) => new ObjectId(id));
    } else {
      set[field] = value;
    }
  }
  if (passwordHash) set.passwordHash = passwordHash;
  const operation = { updateOne: { filter: { _id: new ObjectId(decision.userId) }, update: { $set: set } } } as AnyBulkWriteOperation;
  return { row, operation, outcome: 'updated' as const, userId: decision.userId };
}

/** Returns, by operation index, the message for each write MongoDB refused. */
async function writeUsers(operations: AnyBulkWriteOperation[]): Promise<Map<number, string>> {
  const failed = new Map<number, string>();
  if (operations.length === 0) return failed;
  try {
    await UserModel.collection.bulkWrite(operations, { ordered: false });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    for (const writeError of writeErrors) failed.set(writeError.index, describeWriteError(writeError.code, writeError.errmsg ?? ''));
  }
  return failed;
}

function describeWriteError(code: number | undefined, errmsg: string): string {
  if (code === 11000 && errmsg.includes('externalId')) {
    return 'Another user took this external ID while the import ran. Give this user a different external ID, or re-run this row.';
  }
  if (code === 11000) return 'This username was created by someone else while the import ran. Re-run this row to update that user.';
  return `The database refused this row (${errmsg.slice(0, 200)}). Re-run it; if it fails again, contact support.`;
}

/**
 * One query for the users a chunk names by username and for the holders of its external IDs
 * (an `$or` that MongoDB answers from the two indexes).
 */
async function findChunkUsers(rows: ChunkRow[]): Promise<{ byKey: Map<string, LeanUser>; holders: Map<string, { id: string; username: string }> }> {
  const keys = [...new Set(rows.filter((row) => row.usernameKey).map((row) => row.usernameKey))];
  const externalIds = [...new Set(rows.map((row) => cellValue(row.cells.externalId)).filter((id): id is string => Boolean(id)))];
  const branches: Record<string, unknown>[] = [];
  if (keys.length) branches.push({ usernameKey: { $in: keys } });
  if (externalIds.length) branches.push({ externalId: { $in: externalIds } });
  if (branches.length === 0) return { byKey: new Map(), holders: new Map() };
  const users = (await UserModel.find(branches.length === 1 ? branches[0] : { $or: branches }).select('+passwordHash').lean()) as unknown as LeanUser[];
  const wantedKeys = new Set(keys);
  const wantedIds = new Set(externalIds);
  return {
    byKey: new Map(users.filter((user) => wantedKeys.has(user.usernameKey)).map((user) => [user.usernameKey, user])),
    holders: new Map(
      users.filter((user) => user.externalId && wantedIds.has(user.externalId)).map((user) => [user.externalId as string, { id: String(user._id), username: user.username }]),
    ),
  };
}

function toExistingUser(user: LeanUser): ExistingUser {
  return {
    id: String(user._id),
    username: user.username,
    email: user.email,
    firstName: user.firstName ?? undefined,
    lastName: user.lastName ?? undefined,
    groupIds: (user.groupIds ?? []).map(String),
    roles: user.roles ?? [],
    externalId: user.externalId ?? undefined,
    customFields: user.customFields ?? {},
    hasPassword: Boolean(user.passwordHash),
  };
}
