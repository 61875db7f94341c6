import type { Readable } from 'node:stream';

/**
 * A workbook's bytes as the reader needs them: by ranges, because a zip is read from its
 * directory at the end, then part by part. The source also says which of its read errors are
 * its own passing failure (the store gone away for a while): the reader passes those on as they
 * are, for the caller to wait out, instead of calling the workbook damaged. This folder knows
 * file formats, not where the bytes are kept.
 */
export interface WorkbookBytes {
  size: number;
  /** The bytes from `start` up to, not including, `end`. */
  openRange(start: number, end: number): Readable;
  isPassingFailure(error: unknown): boolean;
}
