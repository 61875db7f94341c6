import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { AppError } from '../platform/appError';
import { workbookBytesInflated } from '../platform/metrics';
import { DOOR_CHECK_MESSAGES } from '../rules/doorCheckMessages';
import type { WorkbookBytes } from './workbookBytes';
import { damagedPart } from './workbookReadError';

/**
 * A part may expand to at most this many times its stored size. Sheets saved by Excel or by
 * this product's export stay far below (see the README); a zip bomb is far above.
 */
export const MAX_EXPANSION = 200;
/** Below this, a part is too small to matter whatever its ratio (an empty sheet compresses 50×). */
const SMALL_PART_BYTES = 1024 * 1024;
/** A workbook of one sheet has about a dozen parts; thousands is not a workbook anyone saved. */
const MAX_PARTS = 10_000;

/** Reads the zip by ranges of the stored upload, so its directory is read from the end and parts one by one. */
class UploadReader extends yauzl.RandomAccessReader {
  constructor(private readonly bytes: WorkbookBytes) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return this.bytes.openRange(start, end);
  }
}

/**
 * An .xlsx upload as the zip it is: its directory read at once, its parts (XML files) inflated
 * only when read, and never further than their declared size (yauzl counts the bytes) nor past
 * MAX_EXPANSION times their stored size (checked before reading), so a zip bomb is refused,
 * not followed.
 */
export class WorkbookArchive {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly bytes: WorkbookBytes,
    private readonly entries: Map<string, yauzl.Entry>,
    /** Bytes all reads together may still inflate; unlimited for an import, which reads what it must. */
    private budget: number,
  ) {}

  /**
   * `inflateBudget`: the door check reads the start of every sheet, so a small file listing many
   * sheets (or one sheet many times) could make it inflate gigabytes of parts each under the
   * expansion check's notice; past the budget it stops and refuses.
   */
  static async open(bytes: WorkbookBytes, { inflateBudget = Infinity }: { inflateBudget?: number } = {}): Promise<WorkbookArchive> {
    let zip: yauzl.ZipFile;
    try {
      zip = await openZip(new UploadReader(bytes), bytes.size);
    } catch (error) {
      throw unreadable(bytes, error);
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      if (zip.entryCount > MAX_PARTS) throw new AppError('unsupported_media_type', 'not_a_workbook', DOOR_CHECK_MESSAGES.notWorkbook);
      for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
        // Part names are case-insensitive in a workbook's package (ECMA-376 Part 2, 9.1.1.1), and
        // unique: of two parts with one name, Excel would show one and an import read the other.
        const name = entry.fileName.toLowerCase();
        if (entries.has(name)) throw damagedPart('This workbook', `it holds two parts named ${entry.fileName}.`);
        entries.set(name, entry);
      }
    } catch (error) {
      zip.close();
      throw unreadable(bytes, error);
    }
    return new WorkbookArchive(zip, bytes, entries, inflateBudget);
  }

  has(part: string): boolean {
    return this.entries.has(part.toLowerCase());
  }

  partNames(): string[] {
    return [...this.entries.values()].map((entry) => entry.fileName);
  }

  /** Whether any part is encrypted with the zip's own (legacy) password scheme. */
  hasEncryptedParts(): boolean {
    return [...this.entries.values()].some((entry) => entry.isEncrypted());
  }

  /**
   * A part's inflated bytes, streamed. Refused before the first byte when its declared size is
   * out of proportion; failing with the same refusal when it inflates past what it declared.
   */
  async *read(part: string): AsyncGenerator<Buffer> {
    const entry = this.entries.get(part.toLowerCase());
    if (!entry) throw damagedPart(`The part ${part}`, 'it is missing.');
    if (entry.isEncrypted()) throw new AppError('unsupported_media_type', 'encrypted_workbook', DOOR_CHECK_MESSAGES.encryptedWorkbook);
    if (expandsTooFar(entry.uncompressedSize, entry.compressedSize)) throw expanding(entry.fileName);
    let stream: Readable;
    try {
      stream = await this.zip.openReadStreamPromise(entry);
    } catch (error) {
      throw unreadable(this.bytes, error);
    }
    let crc = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        workbookBytesInflated.inc(chunk.length);
        this.budget -= chunk.length;
        if (this.budget < 0) throw tooMuchToCheck();
        crc = zlib.crc32(chunk, crc);
        yield chunk;
      }
    } catch (error) {
      // yauzl's byte count: the part inflates past the size its directory entry declared.
      if (/too many bytes in the stream/.test((error as Error).message)) throw expanding(entry.fileName);
      throw unreadable(this.bytes, error, entry.fileName);
    } finally {
      stream.destroy();
    }
    // yauzl checks sizes, not checksums: a part changed after it was zipped reads as damaged.
    if (crc >>> 0 !== entry.crc32 >>> 0) throw damagedPart(`The part ${entry.fileName}`, 'its checksum does not match its contents.');
  }

  /** A small part (workbook.xml, relationships) whole, as text. */
  async text(part: string): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.read(part)) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  close(): void {
    this.zip.close();
  }
}

function expandsTooFar(uncompressedSize: number, compressedSize: number): boolean {
  return uncompressedSize > SMALL_PART_BYTES && uncompressedSize > MAX_EXPANSION * Math.max(compressedSize, 1);
}

function tooMuchToCheck(): AppError {
  return new AppError('unprocessable', 'workbook_too_much_to_check', DOOR_CHECK_MESSAGES.workbookTooMuchToCheck(DOOR_CHECK_BUDGET / 2 ** 20));
}

/** What the door check of one upload may inflate in all: a workbook of users needs a few MB. */
export const DOOR_CHECK_BUDGET = 64 * 2 ** 20;

function expanding(part: string): AppError {
  return new AppError('unprocessable', 'workbook_expands_too_far', DOOR_CHECK_MESSAGES.expandingWorkbook(part, MAX_EXPANSION));
}

/** A zip that cannot be read (damaged, cut off): the reason goes to the logs, the admin is told what to do. */
function unreadable(bytes: WorkbookBytes, error: unknown, part?: string): Error {
  if (error instanceof AppError) return error;
  // The store of the bytes going away mid-read is an outage the import waits out and resumes
  // from (imports/runImport.ts), as it does for a CSV, not a damaged workbook.
  if (bytes.isPassingFailure(error)) return error as Error;
  return new AppError('unprocessable', 'unreadable_workbook', DOOR_CHECK_MESSAGES.unreadableWorkbook, {
    reason: (error as Error).message,
    ...(part && { part }),
  });
}

function openZip(reader: yauzl.RandomAccessReader, size: number): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(reader, size, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (error, zip) => {
      if (error || !zip) reject(error ?? new Error('no zip'));
      else resolve(zip);
    });
  });
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const settle = (done: () => void) => () => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      done();
    };
    const onEntry = (entry: yauzl.Entry) => settle(() => resolve(entry))();
    const onEnd = settle(() => resolve(undefined));
    const onError = (error: Error) => settle(() => reject(error))();
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}
