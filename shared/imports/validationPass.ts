import type { Types } from 'mongoose';
import { EncodingEvidence } from '../csv/encodingEvidence';
import { logger } from '../platform/logger';
import { UsernameHashCollector } from '../rules/duplicateUsernames';
import { readDataRows, type ImportFile } from './importFileRows';
import { recordEncoding } from '../data/importStore';
import type { RowBinder } from '../rules/rowBinder';

export interface Validation {
  total: number;
  repeatedHashes: Set<number>;
  /** The file as the apply pass reads it: a CSV with the encoding decided on all of its bytes. */
  file: ImportFile;
}

export interface ValidationOptions {
  onlyRows: Set<number> | undefined;
  /** Asked every 1,024 rows: a reason to stop reading now. */
  interruption: () => 'yielded' | 'lost' | undefined;
}

/**
 * The validation pass: reads the whole file once to count its rows, find repeated usernames and
 * decide a CSV's encoding from every byte, not only the head the upload saw. When the bytes show
 * another encoding than the head did, the job is corrected and the file read again with it, so
 * the apply pass, and every retry, read the file as this pass decided. A workbook's cells are
 * text already: it is read once.
 */
export async function validationPass(importId: Types.ObjectId, file: ImportFile, binder: RowBinder, options: ValidationOptions): Promise<Validation | 'yielded' | 'lost'> {
  if (file.format === 'xlsx') {
    const read = await readRows(file, binder, options);
    return typeof read === 'string' ? read : { ...read, file };
  }
  const evidence = new EncodingEvidence();
  const read = await readRows(file, binder, options, evidence);
  if (typeof read === 'string') return read;
  const encoding = evidence.decide();
  if (encoding === file.encoding) return { ...read, file };
  logger.info({ importId: String(importId), from: file.encoding, to: encoding }, 'the whole file shows another encoding than its head: reading it again');
  await recordEncoding(importId, encoding);
  const again = await readRows({ ...file, encoding }, binder, options);
  return typeof again === 'string' ? again : { ...again, file: { ...file, encoding } };
}

async function readRows(file: ImportFile, binder: RowBinder, options: ValidationOptions, evidence?: EncodingEvidence) {
  const collector = new UsernameHashCollector();
  let total = 0;
  const onBytes = evidence ? (chunk: Buffer) => evidence.observe(chunk) : undefined;
  for await (const { row, record, unreadable } of readDataRows(file, { onBytes })) {
    // Repeats are found across the whole file, so retrying one row of a pair still fails it.
    if (!unreadable) collector.add(binder(record).usernameKey);
    if (!options.onlyRows || options.onlyRows.has(row)) total += 1;
    if ((row & 1023) === 0) {
      const interrupted = options.interruption();
      if (interrupted) return interrupted;
    }
  }
  return { total, repeatedHashes: collector.repeatedHashes() };
}
