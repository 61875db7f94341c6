/**
 * Spreadsheet formula injection: Excel runs a cell that starts with one of these as a formula.
 * Exports put a `'` in front (Excel shows the text, not a formula) and imports take it off again.
 */
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r']);

const startsFormula = (text: string, at = 0) => text.length > at && FORMULA_STARTS.has(text[at]);

/**
 * For values written out of the directory. A value that itself starts with `'` and a formula
 * character is guarded too, so that stripping on import gives back exactly the value.
 */
export function neutraliseFormula(value: string): string {
  return needsGuard(value) ? `'${value}` : value;
}

/** For cells read from a file: removes the guard `'`, and only where an export would have put one. */
export function stripFormulaGuard(cell: string): string {
  return cell.startsWith("'") && needsGuard(cell.slice(1)) ? cell.slice(1) : cell;
}

function needsGuard(value: string): boolean {
  return startsFormula(value) || (value.startsWith("'") && startsFormula(value, 1));
}
