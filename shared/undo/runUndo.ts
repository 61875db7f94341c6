import { ObjectId, type AnyBulkWriteOperation, type Document } from 'mongodb';
import { logger } from '../platform/logger';
import { AppError } from '../platform/appError';
import { requireEveryChangeRecorded } from './undoImport';
import { interruption, outageStopped, runResumably, type AttemptProgress, type RunControl, type RunResult } from '../imports/resumableRun';
import { FINAL_STATUSES } from '../rules/importStatuses';
import { changeRecordChunksLastRowFirst, countChangeRecords, keepChangeRecordsUntil, markRecordsRemoved, type UndoneChangeRecord } from '../data/importChangeStore';
import { findUndoUsers, type StoredUser } from '../data/userStore';
import { writeUndoUsers } from '../data/userWrites';
import { commitUndoChunk, findImportCounts, findImport, findImportToUndo, setImportStatus, type UndoChunkCounts } from '../data/importStore';
import { recordUndoProblems } from '../data/failedRows';
import { revokeInvitationsOf } from '../invitations/revokeInvitations';
import { decideUndo, notPutBack, type UndoDecision, type UndoProblem } from '../rules/undoDecision';
import { dropDeletedSinceWrite, loadUndoDirectory, restoreUpdate, undoContext, userNow, type UndoDirectory } from './undoDirectory';

export interface RunUndoOptions extends RunControl {
  chunkSize: number;
}

/** Rounds of reading and writing a chunk's users before giving up on users that keep changing. */
const MAX_ROUNDS = 5;
/** How long an undo keeps the records it walks from expiring: far longer than any undo runs. */
const RECORDS_KEPT_WHILE_UNDOING_MS = 7 * 24 * 3600 * 1000;

/**
 * The undo use case: runs the undo `undoId` to its end through MongoDB outages, as an import
 * runs (imports/resumableRun.ts), each attempt from its checkpoint.
 */
export async function runUndo(undoId: string, options: RunUndoOptions): Promise<RunResult> {
  return runResumably(undoId, options, {
    what: 'undo',
    attempt: (progress) => undoAttempt(undoId, options, progress),
    describeOutage: (error, outageMs) =>
      // A new undo of the same import finds what this one put back already back.
      `${outageStopped(error, outageMs, 'undo')} What it put back stays put back. Undo the import again once the database is back: it goes on where this one stopped.`,
  });
}

/**
 * One attempt of the undo: the change records of the import it takes back, last row first, in
 * chunks read from one cursor. For each chunk: one query for its users, the decisions
 * (rules/undoDecision.ts), one bulk write, then the problems and the counts committed with the
 * checkpoint, as an import's chunk is. A chunk written but not committed is replayed, and counted as the first time:
 * - a field this undo put back now holds its value before, which the decision reads as
 *   restored with nothing to write;
 * - a created user is marked on its record (`removedBy`) before it is deleted, so a user found
 *   gone counts as removed only when an undo of this import removed it.
 * Every user write is conditional on the user's `updatedAt` as read: a user changed between the
 * read and the write (an invitation accepted, another import) is read and decided again.
 */
async function undoAttempt(undoId: string, options: RunUndoOptions, progress: AttemptProgress): Promise<RunResult> {
  const undo = await findImport(undoId);
  if (!undo) return 'not_found';
  if (FINAL_STATUSES.includes(undo.status)) return 'finished';
  progress.startsFrom(undo.checkpointRow ?? 0);
  if (undo.cancelRequested) {
    await setImportStatus(undo._id, 'cancelled', { finishedAt: new Date() });
    return 'finished';
  }
  const log = logger.child({ importId: undoId, undoOf: String(undo.undoOf) });
  const undone = await findImportToUndo(undo.undoOf);
  if (!undone || !undone.undoneBy?.equals(undo._id)) {
    await setImportStatus(undo._id, 'failed', { finishedAt: new Date(), failureReason: 'Another undo of this import was started instead of this one, so this one changed nothing.' });
    return 'finished';
  }
  if (undo.status === 'queued') {
    try {
      // Records may have expired between the request and now: then nothing is undone at all.
      await requireEveryChangeRecorded(undone);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await setImportStatus(undo._id, 'failed', { finishedAt: new Date(), failureReason: error.message });
      return 'finished';
    }
    // None of them may expire while the undo walks them (a long undo near the end of the retention).
    await keepChangeRecordsUntil(undone._id, new Date(Date.now() + RECORDS_KEPT_WHILE_UNDOING_MS));
    const total = await countChangeRecords(undone._id);
    if (!(await setImportStatus(undo._id, 'running', { startedAt: undo.startedAt ?? new Date(), 'counts.total': total }))) return 'finished';
  }
  let checkpoint = undo.checkpointRow ?? 0;
  // The first chunk of a resumed attempt may have been written by an interrupted one.
  let replaying = undo.status !== 'queued';
  log.info({ resumeBeforeRow: rowsBefore(checkpoint) }, 'undo running');

  // One sorted read of the records for the whole undo, last row first, a chunk at a time.
  for await (const records of changeRecordChunksLastRowFirst(undone._id, rowsBefore(checkpoint), options.chunkSize)) {
    const interrupted = interruption(options);
    if (interrupted) return interrupted;
    const lowestRow = records[records.length - 1].row;
    const toCheckpoint = -lowestRow;
    const { counts, problems } = await undoChunk(records, undo._id);
    await recordUndoProblems(undo._id, problems, replaying ? { afterRow: lowestRow - 1, toRow: rowsBefore(checkpoint) - 1 } : undefined);
    replaying = false;
    const verdict = await commitUndoChunk(undo._id, checkpoint, toCheckpoint, counts);
    if (verdict === 'lost') return 'lost';
    checkpoint = toCheckpoint;
    progress.committed(toCheckpoint);
    if (verdict === 'cancel') {
      await setImportStatus(undo._id, 'cancelled', { finishedAt: new Date() });
      return 'finished';
    }
  }
  const counts = await findImportCounts(undo._id);
  const withProblems = (counts?.failed ?? 0) + (counts?.conflicts ?? 0) > 0;
  await setImportStatus(undo._id, withProblems ? 'completed_with_errors' : 'completed', { finishedAt: new Date() });
  log.info({ counts }, 'undo finished');
  return 'finished';
}

/**
 * An undo walks the records last row first, the import's writes in reverse: a value one row took
 * from another user (an external ID moved from a3 to f5) is given up (f5's row) before it is put
 * back (a3's row), even when the two rows are in different chunks.
 *
 * So its checkpoint is the lowest row of the last committed chunk, stored negated: the job's
 * `checkpointRow` then still starts at 0 and still grows with every commit, which is what the
 * conditional commit and the retrying note of data/importStore.ts rely on.
 */
function rowsBefore(checkpoint: number): number {
  return checkpoint < 0 ? -checkpoint : Number.MAX_SAFE_INTEGER;
}

async function undoChunk(records: UndoneChangeRecord[], undoId: ObjectId) {
  const userIds = records.map((record) => record.userId);
  const markedRemoved = new Set(records.filter((record) => record.removedBy).map((record) => record.row));
  for (let round = 1; ; round++) {
    const directory = await loadUndoDirectory();
    const found = await findUndoUsers(userIds);
    const users = new Map(found.map((user) => [String(user._id), user]));
    const decided: { record: (typeof records)[number]; user: StoredUser | undefined; decision: UndoDecision }[] = records.map((record) => {
      const user = users.get(String(record.userId));
      const decision = decideUndo(record, user && userNow(user, directory), {
        ...undoContext(directory),
        removedByUndo: markedRemoved.has(record.row),
      });
      return { record, user, decision };
    });

    const operations: AnyBulkWriteOperation[] = [];
    /** Which entry of `decided` each operation writes. */
    const writers: number[] = [];
    const removals: typeof decided = [];
    let updates = 0;
    decided.forEach((entry, index) => {
      const { decision, user } = entry;
      if (!user) return;
      const condition = { _id: user._id, updatedAt: user.updatedAt ?? null };
      if (decision.outcome === 'removed' && decision.remove) {
        removals.push(entry);
        operations.push({ deleteOne: { filter: condition } });
        writers.push(index);
      } else if ((decision.outcome === 'restored' || decision.outcome === 'conflict') && (decision.restore.size > 0 || decision.passwordHash)) {
        updates++;
        operations.push({ updateOne: { filter: condition, update: restoreUpdate(decision, directory) } });
        writers.push(index);
      }
    });
    if (operations.length === 0) return settle(decided);
    if (removals.length > 0) {
      // Before the delete: a replay that finds the user gone knows this undo removed it.
      await markRecordsRemoved(removals.map((entry) => entry.record._id), undoId);
      for (const entry of removals) markedRemoved.add(entry.record.row);
    }
    const { matched, deleted, refused } = await writeUndoUsers(operations);
    await dropDeletedSinceWrite(userIds, operations.flatMap((operation) => ('updateOne' in operation ? [operation.updateOne.update as Document] : [])));
    for (const operation of refused) {
      const entry = decided[writers[operation]];
      entry.decision = refusedRestore(entry.decision, entry.user, directory);
      updates--;
    }
    if (matched === updates && deleted === removals.length) return settle(decided);
    // Some users changed between the read and the write: their write did nothing; decide again.
    if (round === MAX_ROUNDS) throw new Error(`Users of rows ${records[0].row} to ${records[records.length - 1].row} kept changing while the undo wrote them. Undo the import again when no import is running: the new undo goes on where this one stopped.`);
  }
}

/** A restore MongoDB refused wrote nothing: every field it would have put back is reported. */
function refusedRestore(decision: UndoDecision, user: StoredUser | undefined, directory: UndoDirectory): UndoDecision {
  if (decision.outcome !== 'restored' && decision.outcome !== 'conflict') return decision;
  const now = user ? userNow(user, directory) : {};
  const problems = [...(decision.outcome === 'conflict' ? decision.problems : []), ...notPutBack(decision.restore, now, Boolean(decision.passwordHash))];
  return { outcome: 'conflict', restore: new Map(), problems };
}

/** The chunk's counts and problems, once every write its decisions asked for has landed. */
async function settle(decided: { record: UndoneChangeRecord; decision: UndoDecision }[]) {
  const counts: UndoChunkCounts = { processed: decided.length, restored: 0, removed: 0, conflicts: 0, failed: 0 };
  const problems: { row: number; username: string; problems: UndoProblem[] }[] = [];
  const removed: ObjectId[] = [];
  for (const { record, decision } of decided) {
    if (decision.outcome === 'restored') counts.restored++;
    else if (decision.outcome === 'removed') {
      counts.removed++;
      removed.push(record.userId);
    } else {
      if (decision.outcome === 'conflict') counts.conflicts++;
      else counts.failed++;
      problems.push({ row: record.row, username: record.username, problems: decision.problems });
    }
  }
  // Also for users removed by an earlier attempt: revoking is idempotent.
  await revokeInvitationsOf(removed, new Date());
  return { counts, problems };
}
