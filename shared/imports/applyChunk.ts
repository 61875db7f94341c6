import type { ObjectId } from 'mongodb';
import { UserModel } from '../data/userModel';
import { passwordMatches } from '../directory/passwordHashing';
import type { ImportSettings } from '../rules/importSettings';
import type { DirectorySnapshot } from '../data/directorySnapshot';
import { cellValue, decideRow, type ExistingUser, type RowCells, type RowDecision } from '../rules/rowDecision';
import { planWrite, writeUsers, type PlannedWrite, type RefusedWrite } from '../data/userWrites';

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

/** A duplicate key on insert is retried as an update this many times before the row fails. */
const MAX_ROUNDS = 3;

/**
 * A chunk whose rows are decided and whose writes are planned, not yet written. `touches` names
 * every username key and external ID the chunk's writes could change, so that the next chunk
 * can tell whether its query may run before these writes land.
 */
export interface PreparedChunk {
  job: ChunkJob;
  directory: DirectorySnapshot;
  outcome: ChunkOutcome;
  planned: PlannedWrite[];
  /** External ID → the row of this file that gives it out (earlier dry-run chunks included). */
  claimedExternalIds: Map<string, number>;
  touches: Set<string>;
}

/**
 * Applies one chunk of rows: one query for the users they name and the holders of their
 * external IDs, the domain's decision per row, and the writes (one unordered update and one
 * unordered insert command). A row whose insert meets a user created meanwhile (an
 * overlapping import) is decided again against that user, within the same chunk. Nothing here
 * commits progress; the caller does that together with the counts.
 */
export async function applyChunk(rows: ChunkRow[], job: ChunkJob, directory: DirectorySnapshot): Promise<ChunkOutcome> {
  return writeChunk(await prepareChunk(rows, job, directory));
}

/**
 * The first half of applyChunk: the query (unless `found`, the answer of lookUpChunkUsers for
 * these rows, is given) and the decisions; no write.
 */
export async function prepareChunk(rows: ChunkRow[], job: ChunkJob, directory: DirectorySnapshot, found?: Promise<FoundUsers | undefined>): Promise<PreparedChunk> {
  const outcome: ChunkOutcome = { created: 0, updated: 0, unchanged: 0, failed: 0, createdUserIds: [], failures: [] };
  const claimedExternalIds = job.dryRunExternalIds ?? new Map<string, number>();
  const touches = identitiesOf(rows);
  const planned = await decideRound(rows, { job, directory, outcome, claimedExternalIds, planned: [], touches }, found);
  return { job, directory, outcome, planned, claimedExternalIds, touches };
}

/** The second half: the writes, and further rounds for rows whose user appeared meanwhile. */
export async function writeChunk(prepared: PreparedChunk): Promise<ChunkOutcome> {
  let planned = prepared.planned;
  for (let round = 1; planned.length > 0; round += 1) {
    const again = await writeRound(planned, prepared, round === MAX_ROUNDS);
    planned = again.length > 0 ? await decideRound(again, prepared) : [];
  }
  return prepared.outcome;
}

/**
 * Whether `later`'s query answers the same before and after `earlier`'s writes: true when no
 * username key or external ID of `later` is one that `earlier` may create, change or release.
 * Such chunks are the rule (a repeated username or an external ID moving between users across
 * the boundary are the exceptions), and for them the next query can run while the writes do.
 */
export function chunksAreIndependent(earlier: PreparedChunk, later: ChunkRow[]): boolean {
  for (const identity of identitiesOf(later)) if (earlier.touches.has(identity)) return false;
  return true;
}

/** The username keys and external IDs a chunk's rows name, in one set of tagged strings. */
function identitiesOf(rows: ChunkRow[]): Set<string> {
  const identities = new Set<string>();
  for (const row of rows) {
    if (row.usernameKey) identities.add(`key:${row.usernameKey}`);
    const externalId = cellValue(row.cells.externalId);
    if (externalId) identities.add(`externalId:${externalId}`);
  }
  return identities;
}

/** Decides rows against what MongoDB holds now; returns the writes they need. */
async function decideRound(rows: ChunkRow[], prepared: PreparedChunk, found?: Promise<FoundUsers | undefined>): Promise<PlannedWrite[]> {
  const { job, directory, outcome, claimedExternalIds, touches } = prepared;
  const { byKey: existingByKey, holders: holdersByExternalId } = (await found) ?? (await lookUpChunkUsers(rows));
  // An update may take an external ID away from its user: that ID is touched as well.
  for (const user of existingByKey.values()) if (user.externalId) touches.add(`externalId:${user.externalId}`);
  // Started in row order, awaited together: hashing a chunk's passwords uses every thread of
  // the pool (one per core) instead of one hash at a time.
  const planned: Promise<PlannedWrite>[] = [];
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
    planned.push(planWrite(row, decision, job));
  }
  return Promise.all(planned);
}

/** Writes planned rows; returns the rows whose insert found its user taken, to decide again. */
async function writeRound(planned: PlannedWrite[], prepared: PreparedChunk, lastRound: boolean): Promise<ChunkRow[]> {
  const { job, outcome } = prepared;
  const refused = job.settings.dryRun ? new Map<number, RefusedWrite>() : await writeUsers(planned.map((plan) => plan.operation));
  const again: ChunkRow[] = [];
  for (const [index, plan] of planned.entries()) {
    const refusal = refused.get(index);
    if (refusal?.taken && !lastRound) {
      again.push(plan.row);
    } else if (refusal) {
      outcome.failed += 1;
      outcome.failures.push({ row: plan.row.row, record: plan.row.record, messages: [refusal.message] });
    } else {
      outcome[plan.outcome] += 1;
      if (plan.outcome === 'created') outcome.createdUserIds.push(plan.userId);
    }
  }
  return again;
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

/**
 * One query for the users a chunk names by username and for the holders of its external IDs
 * (an `$or` that MongoDB answers from the two indexes).
 */
export interface FoundUsers {
  byKey: Map<string, LeanUser>;
  holders: Map<string, { id: string; username: string }>;
}

export async function lookUpChunkUsers(rows: ChunkRow[]): Promise<FoundUsers> {
  const keys = [...new Set(rows.filter((row) => row.usernameKey).map((row) => row.usernameKey))];
  const externalIds = [...new Set(rows.map((row) => cellValue(row.cells.externalId)).filter((id): id is string => Boolean(id)))];
  const filter = chunkUsersFilter(keys, externalIds);
  if (!filter) return { byKey: new Map(), holders: new Map() };
  // The driver's own find: the filter is built here from strings, so mongoose's casting of
  // each of the up to 2,000 $in values adds time and nothing else.
  // At most one user per key and per external ID answers: one batch holds them all, instead of
  // the first batch of 101 and a getMore for the rest.
  const users = (await UserModel.collection.find(filter, { batchSize: keys.length + externalIds.length }).toArray()) as unknown as LeanUser[];
  const wantedKeys = new Set(keys);
  const wantedIds = new Set(externalIds);
  return {
    byKey: new Map(users.filter((user) => wantedKeys.has(user.usernameKey)).map((user) => [user.usernameKey, user])),
    holders: new Map(
      users.filter((user) => user.externalId && wantedIds.has(user.externalId)).map((user) => [user.externalId as string, { id: String(user._id), username: user.username }]),
    ),
  };
}

/**
 * The chunk's query. The external ID branch states the partial index's filter (`$type:
 * 'string'`): mongod uses a partial index only for a query whose predicates imply its filter,
 * and it does not infer a `$type` from the values of an `$in`, so without it every chunk with
 * an external ID scanned the whole users collection.
 */
export function chunkUsersFilter(usernameKeys: string[], externalIds: string[]): Record<string, unknown> | undefined {
  const branches: Record<string, unknown>[] = [];
  if (usernameKeys.length) branches.push({ usernameKey: { $in: usernameKeys } });
  if (externalIds.length) branches.push({ externalId: { $in: externalIds, $type: 'string' } });
  if (branches.length === 0) return undefined;
  return branches.length === 1 ? branches[0] : { $or: branches };
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
