import type { ObjectId } from 'mongodb';
import { importRowsProcessed } from '../platform/metrics';
import { chunksAreIndependent, prepareChunk, writeChunk, type ChunkImport } from './applyChunk';
import { findChunkUsers } from '../data/userStore';
import type { ChunkOutcome, ChunkRow, FoundUsers } from '../rules/chunkPlan';
import { DuplicateUsernameTracker } from '../rules/duplicateUsernames';
import type { DirectorySnapshot } from '../data/directorySnapshot';
import { readDataRows, type ImportFile } from './importFileRows';
import type { ImportRecord } from '../data/importStore';
import { importSettingsOf } from '../rules/importSettings';
import { commitChunk, countsOf, setImportStatus } from '../data/importStore';
import { recordFailures } from '../data/failedRows';
import type { RowBinder } from '../rules/rowBinder';
import { readAhead } from '../platform/readAhead';
import { lastRecordedRow } from '../data/importChangeStore';
import { groupNamesById } from '../rules/changeRecords';
import type { RowCorrections } from './correctFailedRows';

export type Interruption = 'yielded' | 'lost';
type Verdict = 'continue' | 'cancel' | 'lost';

export interface ApplyPassOptions {
  chunkSize: number;
  /** How long the change records of the import are kept (CHANGE_RETENTION_DAYS). */
  changeRetentionMs: number;
  onlyRows: Set<number> | undefined;
  /** A corrections file: each row is applied only as the correction of a failed row. */
  corrections?: RowCorrections;
  repeatedHashes: Set<number>;
  signal?: AbortSignal;
  /** Why the pass must stop before the next chunk (shutting down, job lost), if it must. */
  interruption: () => Interruption | undefined;
  inviteUsers?: (importId: string, userIds: string[]) => Promise<void>;
  /** Called once a chunk is committed, with the row the checkpoint now stands at. */
  onCommitted: (checkpointRow: number) => void;
}

interface Chunk {
  rows: ChunkRow[];
  fromRow: number;
  toRow: number;
}

/**
 * The apply pass: rows in chunks, each applied (query, decisions, one update and one insert command) and then
 * committed with its counts and checkpoint. MongoDB and this process would otherwise take turns,
 * so the work overlaps: the next chunk is read ahead while the current one is applied; its query
 * is sent before the current chunk's write, so that it is decided while MongoDB writes (only
 * when the two chunks share no username key or external ID: then the answer is the same either
 * way); and a chunk's commit (failed rows, invitations, counts) runs while the next is applied.
 * Writes and commits stay in order, one at a time, and a chunk written but not committed is what
 * a crash leaves too: the next attempt replays it and counts its writes once.
 */
export async function applyPass(job: ImportRecord, file: ImportFile, binder: RowBinder, directory: DirectorySnapshot, options: ApplyPassOptions): Promise<'completed' | 'cancelled' | Interruption> {
  const settings = importSettingsOf(job.settings);
  // The first chunk of a resumed attempt may have been applied before by an interrupted one.
  let replaying = job.status !== 'queued';
  const chunkImport: ChunkImport = {
    importId: job._id,
    settings,
    dryRunExternalIds: settings.dryRun ? new Map<string, number>() : undefined,
    groupNamesById: groupNamesById(directory.groupIdsByName),
    changeRetentionMs: options.changeRetentionMs,
    // An interrupted attempt may have written the records of a chunk and its successor (whose
    // write overlaps the commit before it): the records say how far it got.
    recordedThroughRow: replaying ? await lastRecordedRow(job._id) : 0,
  };
  const inviting = settings.sendInvitations && !settings.dryRun;

  const commit = async (chunk: Chunk, outcome: ChunkOutcome): Promise<Verdict> => {
    await recordFailures(job._id, outcome.failures, binder.passwordColumn, replaying ? { afterRow: chunk.fromRow, toRow: chunk.toRow } : undefined);
    replaying = false;
    if (inviting && outcome.createdUserIds.length > 0) await options.inviteUsers?.(String(job._id), outcome.createdUserIds);
    const verdict = await commitChunk(job._id, chunk.fromRow, chunk.toRow, countsOf(outcome, chunk.rows.length));
    if (verdict !== 'lost') {
      options.onCommitted(chunk.toRow);
      for (const kind of ['created', 'updated', 'unchanged', 'failed'] as const) importRowsProcessed.inc({ outcome: kind }, outcome[kind]);
    }
    return verdict;
  };

  const writing = new InFlight<{ chunk: Chunk; outcome: ChunkOutcome }>();
  const committing = new InFlight<Verdict>();
  /** Waits for the chunk in MongoDB, starts its commit; returns the verdict of the commit before. */
  const finishWrite = async (): Promise<Verdict> => {
    const done = await writing.take();
    if (!done) return 'continue';
    const previous = (await committing.take()) ?? 'continue';
    if (previous !== 'lost') committing.start(commit(done.chunk, done.outcome));
    return previous;
  };
  /** Ends the pass after the chunk in MongoDB is written and committed. */
  const finishAll = async (): Promise<Verdict> => {
    const previous = await finishWrite();
    if (previous === 'lost') return 'lost';
    const last = (await committing.take()) ?? 'continue';
    return last === 'continue' ? previous : last;
  };

  // The query of the chunk to decide next, when it could be sent before the previous write.
  const looking = new InFlight<FoundUsers>();
  const chunks = readAhead(readChunks(job, file, binder, options));
  try {
    let next = await chunks.next();
    while (!next.done) {
      const chunk = next.value;
      if (typeof chunk === 'string') return (await finishAll()) === 'lost' ? 'lost' : chunk;
      if (options.signal?.aborted) return 'lost';
      if (!looking.active) {
        // This chunk's query must see the write before it.
        const verdict = await finishWrite();
        if (verdict === 'lost') return 'lost';
        if (verdict === 'cancel') return (await finishAll()) === 'lost' ? 'lost' : cancel(job._id);
      }
      const prepared = await prepareChunk(chunk.rows, chunkImport, directory, looking.active ? looking.take() : undefined);
      const verdict = await finishWrite();
      if (verdict === 'lost') return 'lost';
      // Cancelled meanwhile: what is written is committed, so the counts say what was written.
      if (verdict === 'cancel') return (await finishAll()) === 'lost' ? 'lost' : cancel(job._id);
      next = await chunks.next();
      // The next chunk's query goes out before this chunk's write, so MongoDB answers it first and
      // the next chunk is decided while this one is written; only where no answer can differ.
      const upcoming = next.done || typeof next.value === 'string' ? undefined : next.value;
      if (upcoming && chunksAreIndependent(prepared, upcoming.rows)) looking.start(findChunkUsers(upcoming.rows));
      writing.start(writeChunk(prepared).then((outcome) => ({ chunk, outcome })));
      const interrupted = options.interruption();
      if (interrupted) return (await finishAll()) === 'lost' ? 'lost' : interrupted;
    }
    const last = await finishAll();
    if (last === 'lost') return 'lost';
    return last === 'cancel' ? cancel(job._id) : 'completed';
  } finally {
    await writing.drain();
    await committing.drain();
    await looking.drain();
    await chunks.return();
  }
}

/** The chunks of the file still to apply, or the reason to stop reading. */
async function* readChunks(job: ImportRecord, file: ImportFile, binder: RowBinder, options: ApplyPassOptions): AsyncGenerator<Chunk | Interruption> {
  const duplicates = new DuplicateUsernameTracker(options.repeatedHashes);
  const { corrections } = options;
  const checkpoint = job.checkpointRow ?? 0;
  let chunk: Chunk = { rows: [], fromRow: checkpoint, toRow: checkpoint };
  for await (const { row, record, unreadable } of readDataRows(file)) {
    const bound = binder(record, unreadable);
    const duplicateOfRow = unreadable ? undefined : duplicates.see(bound.usernameKey, row);
    // Every row, those before the checkpoint too: the matcher remembers which failed rows are taken.
    const notACorrection = unreadable || !corrections ? undefined : corrections.matcher.match({ row, errorCell: cellAt(record, corrections.errorColumn), usernameKey: bound.usernameKey });
    if (row <= checkpoint || (options.onlyRows && !options.onlyRows.has(row))) {
      // Rows applied before a restart are read again only to track duplicates: stay stoppable.
      if ((row & 1023) === 0 && options.interruption()) {
        yield options.interruption()!;
        return;
      }
      continue;
    }
    chunk.rows.push({ row, record, ...bound, problems: notACorrection ? [...bound.problems, notACorrection] : bound.problems, duplicateOfRow });
    chunk.toRow = row;
    if (chunk.rows.length < options.chunkSize) continue;
    yield chunk;
    chunk = { rows: [], fromRow: chunk.toRow, toRow: chunk.toRow };
  }
  if (chunk.rows.length > 0) yield chunk;
}

const cellAt = (record: string[], column: number | undefined) => (column === undefined ? undefined : record[column]);

/**
 * At most one piece of work of a kind in flight (a chunk's write, a chunk's commit). Its failure
 * is kept until `take()`, so that an error of work running in the background surfaces in order
 * instead of as an unhandled rejection.
 */
class InFlight<T> {
  private current: Promise<{ value?: T; error?: unknown; failed: boolean }> | undefined;

  get active(): boolean {
    return this.current !== undefined;
  }

  start(work: Promise<T>): void {
    this.current = work.then((value) => ({ value, failed: false }), (error: unknown) => ({ error, failed: true }));
  }

  /** The work's result (undefined when none was in flight); throws what the work threw. */
  async take(): Promise<T | undefined> {
    const current = this.current;
    this.current = undefined;
    if (!current) return undefined;
    const { value, error, failed } = await current;
    if (failed) throw error;
    return value;
  }

  /** Waits for work still in flight without throwing: the pass is already leaving. */
  async drain(): Promise<void> {
    await this.current;
  }
}

async function cancel(importId: ObjectId): Promise<'cancelled'> {
  await setImportStatus(importId, 'cancelled', { finishedAt: new Date() });
  return 'cancelled';
}
