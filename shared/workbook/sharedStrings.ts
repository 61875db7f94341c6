import { damagedPart, WorkbookReadError } from './workbookReadError';
import { localName, partParser, unescapeOoxml, type PartParser } from './workbookXml';

const STRINGS_PART = 'The shared strings part xl/sharedStrings.xml';
const INITIAL_BYTES = 64 * 1024;
const INITIAL_STRINGS = 1024;
/** What the table may hold: held in memory, it must stay far below what a worker can spare. */
export const MAX_TABLE_BYTES = 512 * 2 ** 20;

/**
 * xl/sharedStrings.xml, read only as far as the sheet has referred to so far. A sheet written
 * row by row mostly refers to strings in order, so most of the table is read just before the
 * rows that need it, and an import that stops early never reads the rest.
 *
 * The strings are kept as UTF-8 bytes in one buffer with their end offsets, not as JS strings:
 * a string sliced from a parser chunk can keep that whole chunk alive, and a million small JS
 * strings cost several times their text in heap (see sharedStrings.test.ts for the figures).
 */
export class SharedStrings {
  private readonly source: AsyncIterable<Buffer>;
  private iterator: AsyncIterator<Buffer> | undefined;
  private part: PartParser | undefined;
  private finished = false;
  private bytes = Buffer.alloc(INITIAL_BYTES);
  private usedBytes = 0;
  private ends = new Uint32Array(INITIAL_STRINGS);
  private count = 0;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    xml: AsyncIterable<Buffer>,
    private readonly maxBytes = MAX_TABLE_BYTES,
  ) {
    this.source = xml;
  }

  /** Reads forward until string `index` is known; throws a WorkbookReadError past the end. */
  loadThrough(index: number): Promise<void> {
    // Two sheets' readers may ask at once; each read waits for the one before it.
    const next = this.reading.then(() => this.readThrough(index));
    this.reading = next.catch(() => undefined);
    return next;
  }

  /** The text of a loaded string (call loadThrough first). */
  at(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`shared string ${index} is not loaded`);
    const start = index === 0 ? 0 : (this.ends[index - 1] as number);
    return this.bytes.toString('utf8', start, this.ends[index]);
  }

  /** Stops reading (returns the underlying iterator). */
  async close(): Promise<void> {
    this.finished = true;
    const iterator = this.iterator;
    this.iterator = undefined;
    await iterator?.return?.();
  }

  private async readThrough(index: number): Promise<void> {
    try {
      await this.readForward(index);
    } catch (error) {
      // A damaged table cannot be read further: let go of the file now, not at the caller's close.
      await this.close();
      throw error;
    }
  }

  private async readForward(index: number): Promise<void> {
    while (this.count <= index && !this.finished) {
      const part = this.parserFor();
      const iterator = (this.iterator ??= this.source[Symbol.asyncIterator]());
      const chunk = await iterator.next();
      if (chunk.done) {
        this.finished = true;
        this.iterator = undefined;
        part.end();
      } else {
        part.write(chunk.value);
      }
    }
    if (this.count <= index) {
      throw new WorkbookReadError(
        `The workbook refers to shared string ${index}, which it does not have (it has ${this.count}). Open it in Excel, save it again, and upload that file.`,
      );
    }
  }

  private parserFor(): PartParser {
    if (this.part) return this.part;
    const part = partParser(STRINGS_PART);
    // Phonetic guides (rPh) carry their own <t>: a reading aid Excel does not show in the cell.
    let inItem = false;
    let phoneticDepth = 0;
    let inText = false;
    let text: string[] = [];
    part.parser.on('opentag', (tag) => {
      const name = localName(tag.name);
      if (name === 'si') {
        if (inItem) throw damagedPart(STRINGS_PART, 'a string item opens inside another.');
        inItem = true;
        text = [];
      } else if (name === 'rPh') phoneticDepth += 1;
      else if (name === 't' && inItem && phoneticDepth === 0) inText = true;
    });
    const onText = (value: string) => {
      if (inText) text.push(value);
    };
    part.parser.on('text', onText);
    part.parser.on('cdata', onText);
    part.parser.on('closetag', (tag) => {
      const name = localName(tag.name);
      if (name === 't') inText = false;
      else if (name === 'rPh') phoneticDepth -= 1;
      else if (name === 'si') {
        inItem = false;
        this.append(unescapeOoxml(text.join('')));
        text = [];
      }
    });
    this.part = part;
    return part;
  }

  private append(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    // The table is held whole once read; a million users need about 70 MB of it.
    if (this.usedBytes + length > this.maxBytes) {
      throw new WorkbookReadError(
        `The shared strings of this workbook hold more than ${Math.round(this.maxBytes / 2 ** 20)} MB of text, far more than a workbook of users: save its users' sheet as "CSV UTF-8 (Comma delimited) (*.csv)" and upload that.`,
      );
    }
    if (this.usedBytes + length > this.bytes.length) {
      const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.usedBytes + length));
      this.bytes.copy(grown, 0, 0, this.usedBytes);
      this.bytes = grown;
    }
    this.usedBytes += this.bytes.write(text, this.usedBytes, 'utf8');
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count] = this.usedBytes;
    this.count += 1;
  }
}
