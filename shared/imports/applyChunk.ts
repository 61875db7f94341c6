import { ObjectId, type AnyBulkWriteOperation } from 'mongodb';
import { hashPassword, passwordMatches } from '../directory/passwordHashing';
import type { ImportSettings } from '../rules/importSettings';
import type { DirectorySnapshot } from '../data/directorySnapshot';
import { cellValue } from '../rules/rowDecision';
import { addOutcome, emptyOutcome, passwordChecks, planChunk, settleWrites, type ChunkOutcome, type ChunkRow, type FoundUsers, type UserWrite, type WriteRefusal } from '../rules/chunkPlan';
import { findChunkUsers } from '../data/userStore';
import { userOperation, writeUsers } from '../data/userWrites';
import { changeRecordOf, type RecordedChange } from '../rules/changeRecords';
import { removeChangeRecords, writeChangeRecords } from '../data/importChangeStore';

/** The import a chunk belongs to, as its rows are applied. */
export interface ChunkImport {
  importId: ObjectId;
  settings: ImportSettings;
  /**
   * External IDs given out by earlier chunks of a dry run, which wrote nothing the next chunk's
   * query could find: without them a dry run would miss clashes a real run reports.
   */
  dryRunExternalIds?: Map<string, number>;
  /** Group id → name, for the change records. */
  groupNamesById: ReadonlyMap<string, string>;
  /** How long a change record is kept (CHANGE_RETENTION_DAYS). */
  changeRetentionMs: number;
  /**
   * The last row an interrupted attempt recorded a change for (0 for a fresh import): a chunk
   * up to it is a replay whose rows may no longer change anything, and whose records must go.
   */
  recordedThroughRow: number;
}

/**
 * A round's writes: the plan's, the MongoDB operations that carry them out and the change
 * records they make, index for index.
 */
interface PlannedWrites {
  writes: UserWrite[];
  operations: AnyBulkWriteOperation[];
  records: RecordedChange[];
}

const NO_WRITES: PlannedWrites = { writes: [], operations: [], records: [] };

/**
 * A chunk whose rows are decided and whose writes are planned, not yet written. `touches` names
 * every username key and external ID the chunk's writes could change, so that the next chunk
 * can tell whether its query may run before these writes land.
 */
export interface PreparedChunk {
  chunkImport: ChunkImport;
  directory: DirectorySnapshot;
  rows: ChunkRow[];
  /** Rows whose change record must stay: replayed ones (written before), then those written now. */
  recordsKept: Set<number>;
  outcome: ChunkOutcome;
  planned: PlannedWrites;
  /** External ID → the row of this file that gives it out (earlier dry-run chunks included). */
  claimedExternalIds: Map<string, number>;
  touches: Set<string>;
}

/**
 * Applies one chunk of rows: one query for the users they name and the holders of their
 * external IDs, the plan (rules/chunkPlan.ts), and the writes (one unordered update and one
 * unordered insert command). A row whose insert meets a user created meanwhile (an
 * overlapping import) is decided again against that user, within the same chunk. Nothing here
 * commits progress; the caller does that together with the counts.
 */
export async function applyChunk(rows: ChunkRow[], chunkImport: ChunkImport, directory: DirectorySnapshot): Promise<ChunkOutcome> {
  return writeChunk(await prepareChunk(rows, chunkImport, directory));
}

/**
 * The first half of applyChunk: the query (unless `found`, the answer of data/userStore.ts findChunkUsers for
 * these rows, is given), the decisions and the hashes; no write.
 */
export async function prepareChunk(rows: ChunkRow[], chunkImport: ChunkImport, directory: DirectorySnapshot, found?: Promise<FoundUsers | undefined>): Promise<PreparedChunk> {
  const claimedExternalIds = chunkImport.dryRunExternalIds ?? new Map<string, number>();
  const prepared: PreparedChunk = {
    chunkImport,
    directory,
    rows,
    recordsKept: new Set(),
    outcome: emptyOutcome(),
    planned: NO_WRITES,
    claimedExternalIds,
    touches: identitiesOf(rows),
  };
  prepared.planned = await decideRound(rows, prepared, found);
  return prepared;
}

/**
 * The second half: each round's change records, then its user writes (none in a dry run), and
 * further rounds for rows whose user appeared meanwhile. The records go first because their
 * before values can only be known before the users are written: a replay finds its users
 * written and counts them without deciding again.
 */
export async function writeChunk(prepared: PreparedChunk): Promise<ChunkOutcome> {
  const { chunkImport, recordsKept } = prepared;
  const recorded = new Set<number>();
  let planned = prepared.planned;
  for (let round = 1; planned.writes.length > 0; round += 1) {
    await writeChangeRecords(planned.records, new Date(Date.now() + chunkImport.changeRetentionMs));
    for (const { record } of planned.records) recorded.add(record.row);
    const refused = chunkImport.settings.dryRun ? new Map<number, WriteRefusal>() : await writeUsers(planned.operations);
    planned.writes.forEach((write, index) => {
      if (!refused.has(index)) recordsKept.add(write.row.row);
    });
    const settled = settleWrites(planned.writes, refused, round);
    addOutcome(prepared.outcome, settled.outcome);
    planned = settled.again.length > 0 ? await decideRound(settled.again, prepared) : NO_WRITES;
  }
  // Records of rows that in the end wrote nothing: refused, or decided again as unchanged or
  // failed; on a replay, also any such row's record from the interrupted attempt. Rare: one
  // more command then, none otherwise.
  const replay = prepared.rows.length > 0 && prepared.rows[0].row <= chunkImport.recordedThroughRow;
  const candidates = replay ? prepared.rows.map((row) => row.row) : [...recorded];
  const stale = candidates.filter((row) => !recordsKept.has(row));
  if (stale.length > 0) await removeChangeRecords(chunkImport.importId, stale);
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

/** Plans rows against what MongoDB holds now: query, verify, plan, hash. */
async function decideRound(rows: ChunkRow[], prepared: PreparedChunk, found?: Promise<FoundUsers | undefined>): Promise<PlannedWrites> {
  const { chunkImport, directory, claimedExternalIds, touches } = prepared;
  const users = (await found) ?? (await findChunkUsers(rows));
  // An update may take an external ID away from its user: that ID is touched as well.
  for (const user of users.byKey.values()) if (user.externalId) touches.add(`externalId:${user.externalId}`);
  const importId = String(chunkImport.importId);
  // Verified together, and hashed together below: a chunk's passwords use every thread of the
  // pool (one per core) instead of one hash at a time.
  const checks = passwordChecks(rows, users, importId);
  const matches = await Promise.all(checks.map((check) => passwordMatches(check.hash, check.password)));
  const plan = planChunk(rows, users, {
    importId,
    settings: chunkImport.settings,
    groupIdsByName: directory.groupIdsByName,
    customFieldKeys: directory.customFields.map((field) => field.key),
    claimedExternalIds,
    passwordIsCurrent: new Map(checks.map((check, index) => [check.row, matches[index]])),
    newUserId: () => new ObjectId().toHexString(),
  });
  addOutcome(prepared.outcome, plan.outcome);
  for (const row of plan.replayed) prepared.recordsKept.add(row);
  for (const [externalId, row] of plan.claims) claimedExternalIds.set(externalId, row);
  const hashes = await Promise.all(plan.writes.map((write) => (write.passwordToHash ? hashPassword(write.passwordToHash) : undefined)));
  // A dry run keeps no hash: it stores no password, and its records are never undone.
  const recording = { importId, groupNamesById: chunkImport.groupNamesById };
  const keptHash = (index: number) => (chunkImport.settings.dryRun ? undefined : hashes[index]);
  return {
    writes: plan.writes,
    operations: plan.writes.map((write, index) => userOperation(write, hashes[index])),
    records: plan.writes.map((write, index) => changeRecordOf(write, users.byKey.get(write.row.usernameKey), recording, keptHash(index))),
  };
}
