import type { ColumnBinding } from './userColumns';
import { cellTextProblem } from './cellText';
import { MAX_LINE_CHARS, MAX_QUOTED_CHARS, type UnreadableReason } from './recordLimits';
import { rowUsernameKey, type RowCells } from './rowDecision';
import { rowProblem, type RowProblem } from './failureCauses';

export interface BoundRow {
  cells: RowCells;
  usernameKey: string;
  problems: RowProblem[];
}

export interface RowBinder {
  (record: string[], unreadable?: UnreadableReason): BoundRow;
  /** Where the password is in a record, so reports can blank it. */
  passwordColumn: number | undefined;
}

/** Turns a CSV record into cells by field, using the column bindings resolved at upload. */
export function createRowBinder(headers: readonly string[], columns: readonly ColumnBinding[]): RowBinder {
  const width = headers.length;
  const passwordColumn = columns.find((column) => column.target.kind === 'standard' && column.target.field === 'password')?.index;
  const binder = (record: string[], unreadable?: UnreadableReason): BoundRow => {
    // No prototype: a custom field named like an Object property (`constructor`) is just a key.
    const cells: RowCells = { custom: Object.create(null) as Record<string, string> };
    for (const { index, target } of columns) {
      // Excel leaves trailing empty cells out of short rows: a missing cell is a blank one.
      const value = record[index] ?? '';
      if (target.kind === 'standard') cells[target.field] = value;
      else if (target.kind === 'custom') cells.custom[target.key] = value;
    }
    // An unreadable row fails for that reason alone; its cells are what the reader could salvage.
    if (unreadable) return { cells, usernameKey: '', problems: [UNREADABLE_ROW[unreadable]] };
    const problems: RowProblem[] = [];
    for (const { index, header, target } of columns) {
      if (target.kind === 'ignored') continue;
      // Custom fields may hold notes over several lines; no standard field can.
      const problem = cellTextProblem(header, record[index] ?? '', { multiline: target.kind === 'custom' });
      if (problem) problems.push(problem);
    }
    const extra = record.slice(width).filter((cell) => cell.trim() !== '');
    if (extra.length > 0) {
      problems.push(rowProblem('extra_cells', `The row has ${record.length} cells but the header has ${width} columns: remove the extra cells or add a header for them.`));
    }
    return { cells, usernameKey: rowUsernameKey(cells), problems };
  };
  return Object.assign(binder, { passwordColumn });
}

const UNREADABLE_ROW: Record<UnreadableReason, RowProblem> = {
  unclosed_quote: rowProblem(
    'unclosed_quote',
    `A quote (") in this row is never closed: it runs on for more than ${MAX_QUOTED_CHARS / 1024} KiB or to the end of the file, so the row cannot be read. Close the quote (or delete it) and upload this row again; the rows below it were read on their own.`,
  ),
  too_long: rowProblem(
    'row_too_long',
    `This row is longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB, which no user row is, so it was not read. Check that the file is a user table saved as CSV.`,
  ),
};
