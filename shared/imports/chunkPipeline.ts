import { readAhead } from '../platform/readAhead';

/** What a chunk's commit learnt: go on, the import was asked to cancel, or it is no longer this run's. */
export type CommitVerdict = 'continue' | 'cancel' | 'lost';
export type Interruption = 'yielded' | 'lost';

/** The steps of one chunk, in the order they must take effect. */
export interface ChunkSteps<Chunk, Decided, Found, Outcome> {
  /** Decides a chunk; `found` is its users' query when that went out early (see lookUpEarly). */
  decide(chunk: Chunk, found: Promise<Found | undefined> | undefined): Promise<Decided>;
  /** The next chunk's query, if it may go out before `decided` is written: only where no answer can differ. */
  lookUpEarly(decided: Decided, next: Chunk): Promise<Found> | undefined;
  write(decided: Decided): Promise<Outcome>;
  commit(chunk: Chunk, outcome: Outcome): Promise<CommitVerdict>;
}

export interface PipelineControl {
  signal?: AbortSignal;
  /** Why the pass must stop before the next chunk (shutting down, job lost), if it must. */
  interruption: () => Interruption | undefined;
}

/**
 * Runs chunks through their steps with MongoDB and this process working at once instead of taking
 * turns: the next chunk is read ahead while the current one is decided; the next chunk's query
 * goes out before the current chunk's write when `lookUpEarly` allows, so it is decided while
 * MongoDB writes; and a chunk's commit runs while the next is decided and written. Writes and
 * commits stay in order, one at a time; a chunk written but not committed is what a crash leaves
 * too, and the caller's next attempt replays it.
 * Ends `completed`, `cancelled` (once what is written is committed), `lost`, the interruption that
 * stopped it, or the reason the chunks' reader gave for stopping.
 */
export async function runChunkPipeline<Chunk, Decided, Found, Outcome, ReaderStop extends string>(
  source: AsyncGenerator<Chunk | ReaderStop>,
  steps: ChunkSteps<Chunk, Decided, Found, Outcome>,
  control: PipelineControl,
): Promise<'completed' | 'cancelled' | 'lost' | Interruption | ReaderStop> {
  const writing = new InFlight<{ chunk: Chunk; outcome: Outcome }>();
  const committing = new InFlight<CommitVerdict>();
  /** Waits for the chunk in MongoDB, starts its commit; returns the verdict of the commit before. */
  const finishWrite = async (): Promise<CommitVerdict> => {
    const done = await writing.take();
    if (!done) return 'continue';
    const previous = (await committing.take()) ?? 'continue';
    if (previous !== 'lost') committing.start(steps.commit(done.chunk, done.outcome));
    return previous;
  };
  /** Ends the pass after the chunk in MongoDB is written and committed. */
  const finishAll = async (): Promise<CommitVerdict> => {
    const previous = await finishWrite();
    if (previous === 'lost') return 'lost';
    const last = (await committing.take()) ?? 'continue';
    return last === 'continue' ? previous : last;
  };
  /** Stops after what is in flight: `lost` wins over the reason to stop. */
  const stopWith = async <R extends string>(reason: R): Promise<R | 'lost'> => ((await finishAll()) === 'lost' ? 'lost' : reason);

  // The query of the chunk to decide next, when it could be sent before the previous write.
  const looking = new InFlight<Found>();
  const chunks = readAhead(source);
  try {
    let next = await chunks.next();
    while (!next.done) {
      const chunk = next.value;
      if (typeof chunk === 'string') return stopWith(chunk as ReaderStop);
      if (control.signal?.aborted) return 'lost';
      if (!looking.active) {
        // This chunk's query must see the write before it.
        const verdict = await finishWrite();
        if (verdict === 'lost') return 'lost';
        // Cancelled meanwhile: what is written is committed, so the counts say what was written.
        if (verdict === 'cancel') return stopWith('cancelled');
      }
      const decided = await steps.decide(chunk as Chunk, looking.active ? looking.take() : undefined);
      const verdict = await finishWrite();
      if (verdict === 'lost') return 'lost';
      if (verdict === 'cancel') return stopWith('cancelled');
      next = await chunks.next();
      const upcoming = next.done || typeof next.value === 'string' ? undefined : (next.value as Chunk);
      const early = upcoming && steps.lookUpEarly(decided, upcoming);
      if (early) looking.start(early);
      writing.start(steps.write(decided).then((outcome) => ({ chunk: chunk as Chunk, outcome })));
      const interrupted = control.interruption();
      if (interrupted) return stopWith(interrupted);
    }
    const last = await finishAll();
    if (last === 'lost') return 'lost';
    return last === 'cancel' ? 'cancelled' : 'completed';
  } finally {
    await writing.drain();
    await committing.drain();
    await looking.drain();
    await chunks.return();
  }
}

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
