import { NON_TEXT_CHARACTERS } from './characters';
import { rowProblem, type RowProblem } from './failureCauses';

/** Anything one of the rules below could object to: most cells pass this one scan and are done. */
const SUSPECT = /[\u0000-\u001F\u007F\uFFFD]/;

/** Whether a text holds a control character (tab, line feed and CR aside). */
export const hasControlCharacter = (text: string): boolean => NON_TEXT_CHARACTERS.test(text);

/**
 * Why a cell's text cannot be stored, or undefined. Checked on every row, wherever it is in the
 * file: stored, such text would be exported and make the next upload of that export fail.
 */
export function cellTextProblem(header: string, value: string, { multiline }: { multiline: boolean }): RowProblem | undefined {
  // Runs for every cell of every row: one scan settles the ordinary cell.
  if (!SUSPECT.test(value)) return undefined;
  if (value.includes('\uFFFD')) {
    const message = `The ${header} cell has characters that could not be read (shown as �): part of the file is not saved as UTF-8. In Excel use File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)" and upload the row again.`;
    return rowProblem('unreadable_characters', message, [header]);
  }
  const control = NON_TEXT_CHARACTERS.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return rowProblem('control_character', `The ${header} cell contains the control character U+${code}, which is not text: delete it from the cell and upload the row again.`, [header]);
  }
  if (!multiline && value.includes('\n')) {
    const lines = value.split('\n').length;
    const further = `${lines - 1} line${lines === 2 ? '' : 's'}`;
    const message = `The ${header} cell runs over ${lines} lines: a quote (") opened in this row is probably closed only ${further} further down, so those lines were read into this cell and not as rows. Close the quote in this row and upload these rows again.`;
    return rowProblem('cell_over_lines', message, [header]);
  }
  return undefined;
}
