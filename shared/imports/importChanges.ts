import type { Types } from 'mongoose';
import { UTF8_BOM, batchLines, csvLine, csvLines } from '../csv/csvWriting';
import { countChangedFields, findChangeRecordsAfter, readChangeRecords, type ServedChangeRecord } from '../data/importChangeStore';
import type { ImportRecord } from '../data/importStore';
import { listCustomFields } from '../directory/customFieldDirectory';
import { invalidInput } from '../platform/appError';
import type { ChangeOutcome, FieldChange } from '../rules/changeRecords';
import { CHANGES_HEADER, changeCells, fieldLabel, summariseFields, type CustomFieldLabels, type FieldSummary } from '../rules/changeReport';
import { getImport } from './importActions';

/*
 * What an import (or a dry run) changed, read back from its change records: a page of them as
 * JSON, the counts per field, and changes.csv. Reads name the fields they serve
 * (data/importChangeStore.ts), so a record's password hashes are never fetched.
 */

export interface ChangeView {
  row: number;
  userId: string;
  username: string;
  outcome: ChangeOutcome;
  changes: Array<FieldChange & { label: string }>;
}

export interface ImportChangesPage {
  /** The counts per field of the whole import; on the first page only (null on the pages after it). */
  summary: FieldSummary[] | null;
  items: ChangeView[];
  nextCursor: string | null;
}

const DEFAULT_LIMIT = 50;
/** Records per cursor batch, and changes.csv lines per piece of CSV text. */
const BATCH = 1000;
const MAX_LIMIT = 500;

/** In row order, paged by an opaque cursor (the last row of the page: rows are unique per import). */
export async function listImportChanges(id: string, query: { limit?: unknown; cursor?: unknown }): Promise<ImportChangesPage> {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidInput('invalid_limit', `limit must be a whole number from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`);
  }
  let afterRow = 0;
  if (query.cursor !== undefined) {
    afterRow = typeof query.cursor === 'string' && /^\d{1,15}$/.test(query.cursor) ? Number(query.cursor) : -1;
    if (afterRow < 1) throw invalidInput('invalid_cursor', 'cursor must be the nextCursor of a previous page; leave it out for the first page.');
  }
  const job = await getImport(id);
  const labels = await customFieldLabels();
  const records = await findChangeRecordsAfter(job._id, afterRow, limit + 1);
  const page = records.slice(0, limit);
  return {
    summary: query.cursor === undefined ? await fieldSummary(job._id, labels) : null,
    items: page.map((record) => changeView(record, labels)),
    nextCursor: records.length > limit ? String(page[page.length - 1].row) : null,
  };
}

/**
 * changes.csv: one line per changed field, in row order. The job and the labels are read before
 * the first byte, so an unknown import is answered as a JSON error, not a broken download; the
 * records then come from a cursor, a batch at a time, whatever their number.
 */
export async function changesCsv(id: string): Promise<{ job: ImportRecord; lines: AsyncGenerator<string> }> {
  const job = await getImport(id);
  const labels = await customFieldLabels();
  return { job, lines: reportLines(job._id, labels) };
}

async function* reportLines(importId: Types.ObjectId, labels: CustomFieldLabels): AsyncGenerator<string> {
  yield UTF8_BOM + csvLine(CHANGES_HEADER);
  async function* lines() {
    // Quoted a batch at a time: per line, papaparse's set-up costs more than the quoting.
    let rows: string[][] = [];
    for await (const record of readChangeRecords(importId, BATCH)) {
      for (const change of record.changes) rows.push(changeCells(record, change, labels));
      if (rows.length >= BATCH) {
        yield csvLines(rows);
        rows = [];
      }
    }
    yield csvLines(rows);
  }
  yield* batchLines(lines());
}

/** How many users of each outcome each field names, over the whole import. */
async function fieldSummary(importId: Types.ObjectId, labels: CustomFieldLabels): Promise<FieldSummary[]> {
  return summariseFields(await countChangedFields(importId), labels);
}

function changeView(record: ServedChangeRecord, labels: CustomFieldLabels): ChangeView {
  return {
    row: record.row,
    userId: String(record.userId),
    username: record.username,
    outcome: record.outcome,
    changes: record.changes.map((change) => ({ field: change.field, label: fieldLabel(change.field, labels), before: change.before ?? null, after: change.after ?? null })),
  };
}

async function customFieldLabels(): Promise<CustomFieldLabels> {
  return new Map((await listCustomFields()).map((field) => [field.key, field.label]));
}
