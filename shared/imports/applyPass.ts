import { importRowsProcessed } from '../platform/metrics';
import { chunksAreIndependent, prepareChunk, writeChunk, type ChunkImport, type PreparedChunk } from './applyChunk';
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
import { runChunkPipeline, type Interruption, type PipelineControl } from './chunkPipeline';
import { lastRecordedRow } from '../data/importChangeStore';
import { groupNamesById } from '../rules/changeRecords';
import type { RowCorrections } from './correctFailedRows';

export interface ApplyPassOptions extends PipelineControl {
  chunkSize: number;
  /** How long the change records of the import are kept (CHANGE_RETENTION_DAYS). */
  changeRetentionMs: number;
  onlyRows: Set<number> | undefined;
  /** A corrections file: each row is applied only as the correction of a failed row. */
  corrections?: RowCorrections;
  repeatedHashes: Set<number>;
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
 * The apply pass: the file's rows after the checkpoint, in chunks. Each chunk's users are looked
 * up in one query, every row is decided against them (applyChunk.ts → rules/chunkPlan.ts →
 * rules/rowDecision.ts), the decisions are written (one update and one insert command, change
 * records first), and the chunk is committed: its failed rows recorded, its new users' invitations
 * queued, its counts and checkpoint moved in one conditional update. runChunkPipeline
 * (chunkPipeline.ts) overlaps these steps across chunks, keeping writes and commits in order.
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

  const result = await runChunkPipeline<Chunk, PreparedChunk, FoundUsers, ChunkOutcome, Interruption>(readChunks(job, file, binder, options), {
    decide: (chunk, found) => prepareChunk(chunk.rows, chunkImport, directory, found),
    lookUpEarly: (decided, next) => (chunksAreIndependent(decided, next.rows) ? findChunkUsers(next.rows) : undefined),
    write: writeChunk,
    async commit(chunk, outcome) {
      await recordFailures(job._id, outcome.failures, binder.passwordColumn, replaying ? { afterRow: chunk.fromRow, toRow: chunk.toRow } : undefined);
      replaying = false;
      if (inviting && outcome.createdUserIds.length > 0) await options.inviteUsers?.(String(job._id), outcome.createdUserIds);
      const verdict = await commitChunk(job._id, chunk.fromRow, chunk.toRow, countsOf(outcome, chunk.rows.length));
      if (verdict !== 'lost') {
        options.onCommitted(chunk.toRow);
        for (const kind of ['created', 'updated', 'unchanged', 'failed'] as const) importRowsProcessed.inc({ outcome: kind }, outcome[kind]);
      }
      return verdict;
    },
  }, options);
  if (result !== 'cancelled') return result;
  await setImportStatus(job._id, 'cancelled', { finishedAt: new Date() });
  return 'cancelled';
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
