import { Types } from 'mongoose';
import { logger } from '../platform/logger';
import { noteRetrying, setImportStatus } from '../data/importStore';
import { describeUnavailability, isDatabaseUnavailable } from '../data/databaseErrors';
import { OutageClock } from './outageClock';

/** How the worker steers a run: when to hand it back, when it is no longer its, how long to wait out MongoDB. */
export interface RunControl {
  /** Asked between chunks: true when the process is shutting down and should hand the job back. */
  shouldYield: () => boolean;
  /** Aborted when this worker lost its hold on the job (lock not renewed): stop at once. */
  signal?: AbortSignal;
  /** How long to keep waiting for the database (outage, step-down) before the run fails. */
  dbRetryMs: number;
}

/**
 * `yielded`: handed back for another worker (shutdown); `lost`: another runner has the job;
 * `not_found`: this deployment's database has no such import or undo.
 */
export type RunResult = 'finished' | 'yielded' | 'lost' | 'not_found';

/** What an attempt tells the loop: the checkpoint it starts from, and each chunk it commits. */
export interface AttemptProgress {
  startsFrom(checkpointRow: number): void;
  committed(checkpointRow: number): void;
}

/** One attempt of a run, from its record's checkpoint. */
export type RunAttempt<R extends string> = (progress: AttemptProgress) => Promise<RunResult | R>;

export interface ResumableRun<R extends string> {
  /** Logged and stored in the product's words: `import` or `undo`. */
  what: 'import' | 'undo';
  attempt: RunAttempt<R>;
  /** What the admin reads when MongoDB stayed away too long, given the last committed checkpoint. */
  describeOutage(error: unknown, outageMs: number, checkpointRow: number): string;
}

/**
 * Runs an import or an undo to its end, through MongoDB outages: an attempt that meets the
 * database gone stops uncommitted, and the next one resumes from the record's checkpoint with
 * back-off, for up to `dbRetryMs` of outage, before the run fails with what the admin can do.
 * Any other error fails the run at once.
 */
export async function runResumably<R extends string>(id: string, control: RunControl, run: ResumableRun<R>): Promise<RunResult | R> {
  const log = logger.child({ importId: id });
  let checkpointRow = 0;
  const outage = new OutageClock(control.dbRetryMs);
  for (;;) {
    try {
      const result = await run.attempt({
        startsFrom: (row) => (checkpointRow = row),
        committed: (row) => {
          checkpointRow = row;
          outage.recovered();
        },
      });
      // The checkpoint moved under this run (a worker that stalled committed a chunk) while this
      // worker still holds the job: read the checkpoint again and go on from there.
      if (result === 'lost' && !control.signal?.aborted) continue;
      return result;
    } catch (error) {
      const objectId = new Types.ObjectId(id);
      if (!isDatabaseUnavailable(error)) {
        log.error({ err: error }, `${run.what} failed`);
        await setImportStatus(objectId, 'failed', { finishedAt: new Date(), failureReason: describeFailure(error) });
        return 'finished';
      }
      const next = outage.nextWait();
      if (!next) {
        log.error({ err: error, outageMs: outage.outageMs() }, `${run.what} failed: the database stayed unavailable`);
        // If even this write fails, the queue job fails and recovery puts the run back later.
        await setImportStatus(objectId, 'failed', { finishedAt: new Date(), failureReason: run.describeOutage(error, outage.outageMs(), checkpointRow) });
        return 'finished';
      }
      const reason = describeUnavailability(error);
      log.warn({ err: error, attempt: next.attempt, waitMs: next.waitMs }, `database unavailable: the ${run.what} resumes from its checkpoint after a pause`);
      await noteRetrying(objectId, checkpointRow, { reason, attempt: next.attempt, nextAt: new Date(Date.now() + next.waitMs), since: next.since });
      const interrupted = await pause(next.waitMs, control);
      if (interrupted) return interrupted;
    }
  }
}

/** Why a pass must stop before the next row or chunk: shutting down, or the job is no longer this worker's. */
export function interruption(control: RunControl): 'yielded' | 'lost' | undefined {
  if (control.signal?.aborted) return 'lost';
  return control.shouldYield() ? 'yielded' : undefined;
}

/** The start of what MongoDB's outage message says, in the admin's words. */
export function outageStopped(error: unknown, outageMs: number, what: 'import' | 'undo'): string {
  const minutes = Math.max(1, Math.round(outageMs / 60_000));
  return `${describeUnavailability(error)}, and it stayed unavailable for about ${minutes} minute${minutes === 1 ? '' : 's'}, so this ${what} stopped waiting.`;
}

async function pause(ms: number, control: RunControl): Promise<'yielded' | 'lost' | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const interrupted = interruption(control);
    if (interrupted) return interrupted;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
  }
  return interruption(control);
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/FileNotFound|File not found/i.test(message)) return 'The uploaded file is no longer stored. Upload it again.';
  return message.slice(0, 500);
}
