/** The columns of a user CSV (DESIGN section 2) and how a file's headers map onto them. */
export type StandardField = 'email' | 'username' | 'firstName' | 'lastName' | 'groups' | 'roles' | 'password' | 'externalId';

interface StandardColumn {
  field: StandardField;
  /** What an export writes. */
  header: string;
  /** Also accepted on import, besides the header itself. */
  aliases: string[];
}

const STANDARD_COLUMNS: StandardColumn[] = [
  { field: 'email', header: 'Email', aliases: ['e-mail', 'email address'] },
  { field: 'username', header: 'Username', aliases: ['user name'] },
  { field: 'firstName', header: 'First Name', aliases: ['first name', 'given name'] },
  { field: 'lastName', header: 'Last Name', aliases: ['last name', 'surname'] },
  { field: 'groups', header: 'User groups', aliases: ['groups', 'user groups'] },
  { field: 'roles', header: 'Roles', aliases: ['role'] },
  { field: 'password', header: 'Password', aliases: [] },
  { field: 'externalId', header: 'External ID', aliases: ['external id'] },
];

/** Export column order; custom field labels follow. */
export const EXPORT_HEADERS: readonly string[] = STANDARD_COLUMNS.map((column) => column.header);

/**
 * The column errors.csv adds. Accepted and ignored on import, so a fixed error report can be
 * uploaded as it is.
 */
export const ERROR_COLUMN = 'Error';

export type ColumnTarget = { kind: 'standard'; field: StandardField } | { kind: 'custom'; key: string } | { kind: 'ignored' };

export interface ColumnBinding {
  /** Position of the column in the file. */
  index: number;
  header: string;
  target: ColumnTarget;
}

export type ColumnProblem =
  | { kind: 'missing_email' }
  | { kind: 'unknown'; headers: string[] }
  | { kind: 'duplicated'; headers: string[] }
  | { kind: 'blank_header'; positions: number[] };

export interface CustomFieldColumn {
  key: string;
  label: string;
}

/** Case-insensitive, ignoring spaces, `_` and `-` (and a stray BOM). */
export function normaliseHeader(header: string): string {
  return header.replace(/^\uFEFF/, '').toLowerCase().replace(/[\s_-]+/g, '');
}

function targetsByHeader(customFields: readonly CustomFieldColumn[]): Map<string, ColumnTarget> {
  const targets = new Map<string, ColumnTarget>();
  for (const field of customFields) {
    targets.set(normaliseHeader(field.key), { kind: 'custom', key: field.key });
    targets.set(normaliseHeader(field.label), { kind: 'custom', key: field.key });
  }
  // Standard columns win over a custom field that happens to share a name.
  for (const column of STANDARD_COLUMNS) {
    for (const name of [column.header, column.field, ...column.aliases]) targets.set(normaliseHeader(name), { kind: 'standard', field: column.field });
  }
  targets.set(normaliseHeader(ERROR_COLUMN), { kind: 'ignored' });
  return targets;
}

const targetId = (target: ColumnTarget) => (target.kind === 'standard' ? `s:${target.field}` : target.kind === 'custom' ? `c:${target.key}` : 'ignored');

/**
 * Maps a file's headers to fields. Blank headers are tolerated only at the end of the header
 * (Excel writes `Email,Username,,` when cells right of the table were ever touched); their
 * cells are ignored. A blank header between named ones is a problem: its cells would be lost.
 */
export function resolveColumns(
  headers: readonly string[],
  customFields: readonly CustomFieldColumn[],
): { ok: true; columns: ColumnBinding[] } | { ok: false; problems: ColumnProblem[] } {
  const targets = targetsByHeader(customFields);
  const lastNamed = headers.reduce((last, header, index) => (header.trim() ? index : last), -1);
  const columns: ColumnBinding[] = [];
  const unknown: string[] = [];
  const blank: number[] = [];
  const seen = new Map<string, string>();
  const duplicated = new Set<string>();

  headers.forEach((header, index) => {
    if (!header.trim()) {
      if (index < lastNamed) blank.push(index + 1);
      return;
    }
    const target = targets.get(normaliseHeader(header));
    if (!target) return unknown.push(header.trim());
    const id = targetId(target);
    const earlier = seen.get(id);
    if (earlier !== undefined && target.kind !== 'ignored') {
      duplicated.add(earlier);
      duplicated.add(header.trim());
    }
    seen.set(id, header.trim());
    columns.push({ index, header: header.trim(), target });
  });

  const problems: ColumnProblem[] = [];
  if (!seen.has('s:email')) problems.push({ kind: 'missing_email' });
  if (unknown.length) problems.push({ kind: 'unknown', headers: unknown });
  if (duplicated.size) problems.push({ kind: 'duplicated', headers: [...duplicated] });
  if (blank.length) problems.push({ kind: 'blank_header', positions: blank });
  return problems.length ? { ok: false, problems } : { ok: true, columns };
}

/** What an admin may name their columns, for refusals. */
export function acceptedHeaders(customFields: readonly CustomFieldColumn[]): string[] {
  return [...EXPORT_HEADERS, ...customFields.map((field) => field.label)];
}

export function describeColumnProblems(problems: readonly ColumnProblem[]): string {
  const quote = (names: string[]) => names.map((name) => `"${name}"`).join(', ');
  return problems
    .map((problem) => {
      switch (problem.kind) {
        case 'missing_email':
          return 'The file has no Email column: every row needs an email address.';
        case 'unknown':
          return `Unknown column${problem.headers.length > 1 ? 's' : ''} ${quote(problem.headers)}: rename or delete ${problem.headers.length > 1 ? 'them' : 'it'} (a custom field must be defined before it can be imported).`;
        case 'duplicated':
          return `The columns ${quote(problem.headers)} mean the same thing: keep only one of them.`;
        case 'blank_header':
          return `Column${problem.positions.length > 1 ? 's' : ''} ${problem.positions.join(', ')} ha${problem.positions.length > 1 ? 've' : 's'} no header: name ${problem.positions.length > 1 ? 'them' : 'it'} or delete ${problem.positions.length > 1 ? 'them' : 'it'}.`;
      }
    })
    .join(' ');
}
