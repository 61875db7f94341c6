import { BSON, Long, type Document } from 'bson';
import { exportDocument } from './bsonValues';
import { CommandError } from './errors';

/** mongod's first batch for find and aggregate when the client names no batchSize. */
const DEFAULT_FIRST_BATCH_SIZE = 101;
/** A batch stops growing once it would pass the 16 MiB a reply document may hold. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;
/** mongod's cursorTimeoutMillis default: abandoned cursors (no killCursors) are reaped after 10 minutes. */
export const CURSOR_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** Documents are presented in groups of at most this many: mingo projects a group far faster than one by one. */
const PRESENT_GROUP_SIZE = 256;

/** Turns stored documents into what the client receives (projection, int64 restoration), one for one. */
export type Presenter = (docs: Document[]) => Document[];

export interface CursorOptions {
  batchSize?: number;
  /** Total documents the cursor may return; 0 means no limit. */
  limit?: number;
  singleBatch?: boolean;
  present?: Presenter;
}

class ServerCursor {
  lastUsed = Date.now();
  private sourceDone = false;
  /** Presented documents not yet sent: read ahead, or did not fit in the previous batch. */
  private ready: Document[] = [];
  private remaining: number;

  constructor(
    readonly id: Long,
    readonly namespace: string,
    private readonly source: Iterator<Document>,
    private readonly present: Presenter,
    limit: number,
  ) {
    this.remaining = limit > 0 ? limit : Infinity;
  }

  /** Presents up to `wanted` more source documents into `ready`. */
  private fill(wanted: number): void {
    const raw: Document[] = [];
    while (!this.sourceDone && raw.length < wanted) {
      const result = this.source.next();
      if (result.done) this.sourceDone = true;
      else raw.push(result.value);
    }
    if (raw.length > 0) this.ready.push(...this.present(raw));
  }

  /** Up to `size` documents (any number when undefined), bounded by the reply size limit. */
  takeBatch(size: number | undefined): Document[] {
    this.lastUsed = Date.now();
    const batch: Document[] = [];
    let bytes = 0;
    while (this.remaining > 0 && (size === undefined || batch.length < size)) {
      if (this.ready.length === 0) {
        const wanted = Math.min(PRESENT_GROUP_SIZE, this.remaining, size === undefined ? Infinity : size - batch.length);
        this.fill(wanted);
        if (this.ready.length === 0) break;
      }
      const doc = this.ready[0];
      bytes += BSON.calculateObjectSize(doc);
      if (bytes > MAX_BATCH_BYTES && batch.length > 0) break;
      batch.push(this.ready.shift()!);
      this.remaining--;
    }
    return batch;
  }

  get exhausted(): boolean {
    if (this.remaining <= 0) return true;
    if (this.ready.length === 0) this.fill(1);
    return this.ready.length === 0;
  }
}

export class CursorRegistry {
  private readonly open = new Map<string, ServerCursor>();

  /** Runs the first batch and answers like mongod: `{cursor: {firstBatch, id, ns}, ok: 1}`. */
  firstBatch(namespace: string, source: Iterator<Document>, options: CursorOptions = {}): Document {
    const present = options.present ?? ((docs: Document[]) => docs.map((doc) => exportDocument(doc)));
    const cursor = new ServerCursor(newCursorId(), namespace, source, present, options.limit ?? 0);
    const firstBatch = cursor.takeBatch(options.batchSize ?? DEFAULT_FIRST_BATCH_SIZE);
    const keepOpen = !options.singleBatch && !cursor.exhausted;
    if (keepOpen) this.open.set(cursor.id.toString(), cursor);
    return { cursor: { firstBatch, id: keepOpen ? cursor.id : Long.ZERO, ns: namespace }, ok: 1 };
  }

  getMore(id: Long, collection: string, database: string, batchSize: number | undefined): Document {
    const cursor = this.open.get(id.toString());
    if (!cursor) throw new CommandError(43, 'CursorNotFound', `cursor id ${id.toString()} not found`);
    if (cursor.namespace !== `${database}.${collection}`) {
      throw new CommandError(13, 'Unauthorized', `Requested getMore on namespace '${database}.${collection}', but cursor belongs to a different namespace ${cursor.namespace}`);
    }
    const nextBatch = cursor.takeBatch(batchSize && batchSize > 0 ? batchSize : undefined);
    const done = cursor.exhausted;
    if (done) this.open.delete(id.toString());
    return { cursor: { nextBatch, id: done ? Long.ZERO : cursor.id, ns: cursor.namespace }, ok: 1 };
  }

  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) (this.open.delete(id.toString()) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  reapIdle(now = Date.now()): void {
    for (const [key, cursor] of this.open) {
      if (now - cursor.lastUsed > CURSOR_IDLE_TIMEOUT_MS) this.open.delete(key);
    }
  }

  get size(): number {
    return this.open.size;
  }
}

function newCursorId(): Long {
  // Random over the positive int64 range like mongod's, and never zero: zero means "exhausted".
  const high = Math.floor(Math.random() * 0x7fffffff);
  const low = Math.floor(Math.random() * 0xffffffff) | 0;
  const id = Long.fromBits(low, high);
  return id.isZero() ? Long.ONE : id;
}
