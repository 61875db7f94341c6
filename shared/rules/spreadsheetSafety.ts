/**
 * Spreadsheet formula injection: Excel runs a cell that starts with one of these as a formula.
 * Exports put a `'` in front (Excel shows the text, not a formula) and imports take it off again.
 */
const FORMULA_STARTS = '=+-@\t\r';

/**
 * True when a value would start a formula, or would read as a guarded one on the way back:
 * any number of `'` followed by a formula character. Counting the `'`s is what makes strip the
 * exact inverse of neutralise: `'=x` is written `''=x`, `''=x` is written `'''=x`, and so on.
 */
export function needsGuard(value: string): boolean {
  let at = 0;
  while (value[at] === "'") at += 1;
  return at < value.length && FORMULA_STARTS.includes(value[at]);
}

/** For values written out of the directory (export, error reports). */
export function neutraliseFormula(value: string): string {
  return needsGuard(value) ? `'${value}` : value;
}

/**
 * For cells read from a file: removes the guard `'`, and only where an export would have put one
 * (`'=SUM(A1)` → `=SUM(A1)`, but `'Brien` and `O'Brien` stay as they are).
 */
export function stripFormulaGuard(cell: string): string {
  return cell.startsWith("'") && needsGuard(cell.slice(1)) ? cell.slice(1) : cell;
}
