import { describeColumnProblems, type ColumnProblem } from './userColumns';

/** A file accepted at upload whose columns the directory no longer has (a field was deleted). */
export function columnsNoLongerMatch(problems: readonly ColumnProblem[]): string {
  return `The file's columns no longer match the directory: ${describeColumnProblems(problems)} A custom field was probably deleted since the upload: create it again, or upload the file without its column.`;
}
