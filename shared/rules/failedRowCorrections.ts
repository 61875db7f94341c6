/**
 * "Upload corrected rows": the failed rows file of an import, fixed in Excel and uploaded back as a
 * retry of that import. Each of its rows is matched to the failed row it corrects, and only such
 * rows are applied: support keys may correct what failed, never make other changes.
 *
 * The match: a row whose Error cell starts "Row N:" (as the failed rows file writes it) corrects
 * failed row N. A row without one (a cell cleared, a row typed in) corrects the first failed row
 * for the same user (its username, or its email where the username is blank) not corrected yet.
 * A corrected row keeps the user of the row it corrects, unless the username or the email was
 * what failed; each failed row is corrected once.
 */
import { rowProblem, type FailureCauseCode, type RowProblem } from './failureCauses';
import { rowUsernameKey, type RowCells } from './rowDecision';
import { standardFieldOf } from './userColumns';

/** A failed row as the import recorded it: its number, and which user it was for. */
export interface FailedRow {
  row: number;
  /** The username key its cells stand for (rowDecision.ts rowUsernameKey); empty when they name nobody. */
  usernameKey: string;
  /** The username or the email was what failed (or the row could not be read): the correction may name another user. */
  identityFailed: boolean;
}

/** Causes that are about who the row is for: a correction of such a row may name another user. */
const IDENTITY_CAUSES: ReadonlySet<string> = new Set<FailureCauseCode>([
  'missing_email', 'invalid_email', 'email_too_long', 'username_too_long', 'username_line_break', 'username_invisible_character',
  'duplicate_username', 'unclosed_quote', 'row_too_long', 'extra_cells', 'created_meanwhile',
]);
/** Causes about one cell, named by its column header: about identity when that column is Email or Username. */
const CELL_CAUSES = new Set(['unreadable_characters', 'control_character', 'cell_over_lines']);

/** A failed row of `headers` with these stored cells and causes, as a correction is matched to it. */
export function failedRowOf(row: number, headers: readonly string[], cells: readonly string[], causes: readonly string[] | undefined): FailedRow {
  const cellsByField: RowCells = { custom: {} };
  headers.forEach((header, index) => {
    const field = standardFieldOf(header);
    if (field === 'email' || field === 'username') cellsByField[field] = cells[index] ?? '';
  });
  const identityFailed = (causes ?? []).some((cause) => {
    const separator = cause.indexOf(':');
    if (separator < 0) return IDENTITY_CAUSES.has(cause);
    const field = CELL_CAUSES.has(cause.slice(0, separator)) ? standardFieldOf(cause.slice(separator + 1)) : undefined;
    return field === 'email' || field === 'username';
  });
  return { row, usernameKey: rowUsernameKey(cellsByField), identityFailed };
}

/** The row number an Error cell of the failed rows file names ("Row 17: Unknown group …"). */
export function failedRowNamedBy(errorCell: string | undefined): number | undefined {
  const match = /^\s*'?Row\s+(\d{1,9})\s*:/i.exec(errorCell ?? '');
  return match ? Number(match[1]) : undefined;
}

/** A row of the corrections file, as the matcher sees it. */
export interface CorrectionRow {
  row: number;
  errorCell: string | undefined;
  usernameKey: string;
}

/**
 * Matches a corrections file's rows, in file order, to the failed rows they correct. Stateful: it
 * remembers which failed rows are taken, so a resumed import must show it every row from the
 * first, as the apply pass does for repeated usernames.
 */
export class FailedRowMatcher {
  private readonly byRow = new Map<number, FailedRow>();
  private readonly byUser = new Map<string, number[]>();
  /** Failed row → the row of the corrections file that corrects it. */
  private readonly corrected = new Map<number, number>();

  constructor(failedRows: Iterable<FailedRow>) {
    for (const failed of failedRows) {
      this.byRow.set(failed.row, failed);
      if (!failed.usernameKey) continue;
      const rows = this.byUser.get(failed.usernameKey) ?? [];
      rows.push(failed.row);
      this.byUser.set(failed.usernameKey, rows);
    }
  }

  /** Why this row may not be applied, or undefined when it corrects a failed row (now taken). */
  match({ row, errorCell, usernameKey }: CorrectionRow): RowProblem | undefined {
    const named = failedRowNamedBy(errorCell);
    if (named === undefined) return this.matchByUser(row, usernameKey);
    const failed = this.byRow.get(named);
    if (!failed) {
      return rowProblem(
        'not_a_failed_row',
        `This row's Error cell names row ${named}, which did not fail in the import it corrects: only that import's failed rows can be applied here. An admin can upload other rows as a new import.`,
      );
    }
    const earlier = this.corrected.get(named);
    if (earlier !== undefined) {
      return rowProblem('failed_row_corrected_twice', `Row ${named} of the import it corrects is already corrected by row ${earlier} of this file: keep one corrected row per failed row.`);
    }
    if (!failed.identityFailed && usernameKey !== failed.usernameKey) {
      return rowProblem(
        'identity_changed',
        `This row corrects row ${named}, which was for "${failed.usernameKey}", but it names "${usernameKey}": keep the username (or the email, where the username is blank) of the failed row, which may change only where it was what failed. An admin can upload other users as a new import.`,
      );
    }
    this.corrected.set(named, row);
    return undefined;
  }

  private matchByUser(row: number, usernameKey: string): RowProblem | undefined {
    const candidates = (usernameKey && this.byUser.get(usernameKey)) || [];
    const free = candidates.find((candidate) => !this.corrected.has(candidate));
    if (free !== undefined) {
      this.corrected.set(free, row);
      return undefined;
    }
    if (candidates.length > 0) {
      return rowProblem(
        'failed_row_corrected_twice',
        `The failed row for "${usernameKey}" is already corrected by row ${this.corrected.get(candidates[0])} of this file: keep one corrected row per failed row.`,
      );
    }
    return rowProblem(
      'not_a_failed_row',
      `This row has no Error cell naming the failed row it corrects, and no failed row of the import it corrects is for "${usernameKey}": only that import's failed rows can be applied here. An admin can upload new users as a new import.`,
    );
  }
}
