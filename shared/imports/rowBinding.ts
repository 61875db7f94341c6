import type { ColumnBinding } from '../csv/userColumns';
import { rowUsernameKey, type RowCells } from './rowDecision';

export interface BoundRow {
  cells: RowCells;
  usernameKey: string;
  problems: string[];
}

export interface RowBinder {
  (record: string[]): BoundRow;
  /** Where the password is in a record, so reports can blank it. */
  passwordColumn: number | undefined;
}

/** Turns a CSV record into cells by field, using the column bindings resolved at upload. */
export function bindRow(headers: readonly string[], columns: readonly ColumnBinding[]): RowBinder {
  const width = headers.length;
  const passwordColumn = columns.find((column) => column.target.kind === 'standard' && column.target.field === 'password')?.index;
  const binder = (record: string[]): BoundRow => {
    // No prototype: a custom field named like an Object property (`constructor`) is just a key.
    const cells: RowCells = { custom: Object.create(null) as Record<string, string> };
    for (const { index, target } of columns) {
      // Excel leaves trailing empty cells out of short rows: a missing cell is a blank one.
      const value = record[index] ?? '';
      if (target.kind === 'standard') cells[target.field] = value;
      else if (target.kind === 'custom') cells.custom[target.key] = value;
    }
    const problems: string[] = [];
    const extra = record.slice(width).filter((cell) => cell.trim() !== '');
    if (extra.length > 0) {
      problems.push(`The row has ${record.length} cells but the header has ${width} columns: remove the extra cells or add a header for them.`);
    }
    return { cells, usernameKey: rowUsernameKey(cells), problems };
  };
  return Object.assign(binder, { passwordColumn });
}
