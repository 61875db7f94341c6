/** The columns of a user CSV (README, "The CSV format") and how a file's headers map onto them. */
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
  | { kind: 'unknown'; headers: string[]; more?: number }
  | { kind: 'duplicated'; headers: string[] }
  /** At most MAX_LISTED positions; `more` counts the rest (Excel's used range can be thousands). */
  | { kind: 'blank_header'; positions: number[]; more?: number };

/** How many names or positions a refusal lists before it summarises. */
const MAX_LISTED = 20;

export interface CustomFieldColumn {
  key: string;
  label: string;
}

/** Case-insensitive, ignoring spaces, `_` and `-` (and a stray BOM). */
export function normaliseHeader(header: string): string {
  return header.replace(/^\uFEFF/, '').toLowerCase().replace(/[\s_-]+/g, '');
}

/** Normalised names that always mean a standard column (or the error report's column). */
const RESERVED_HEADERS = new Map<string, ColumnTarget>([
  ...STANDARD_COLUMNS.flatMap((column) =>
    [column.header, column.field, ...column.aliases].map((name): [string, ColumnTarget] => [normaliseHeader(name), { kind: 'standard', field: column.field }]),
  ),
  [normaliseHeader(ERROR_COLUMN), { kind: 'ignored' }],
]);

function targetsByHeader(customFields: readonly CustomFieldColumn[]): Map<string, ColumnTarget> {
  const targets = new Map<string, ColumnTarget>();
  // Keys first, then labels: exports write labels, so a label always finds its own field even
  // when it normalises like another field's key.
  for (const field of customFields) targets.set(normaliseHeader(field.key), { kind: 'custom', key: field.key });
  for (const field of customFields) targets.set(normaliseHeader(field.label), { kind: 'custom', key: field.key });
  // Standard columns win over a custom field that happens to share a name (see headerClash).
  for (const [name, target] of RESERVED_HEADERS) targets.set(name, target);
  return targets;
}

/**
 * For defining a custom field: the existing column a new key or label would be read as, if any
 * (a custom field labelled "Role" or "e-mail" could never be imported, and would break export →
 * upload). Returns the header of that column, or undefined when the name is free.
 */
export function headerClash(name: string, customFields: readonly CustomFieldColumn[]): string | undefined {
  const normalised = normaliseHeader(name);
  const reserved = RESERVED_HEADERS.get(normalised);
  if (reserved?.kind === 'standard') return STANDARD_COLUMNS.find((column) => column.field === reserved.field)?.header;
  if (reserved) return ERROR_COLUMN;
  return customFields.find((field) => normaliseHeader(field.key) === normalised || normaliseHeader(field.label) === normalised)?.label;
}

/** The standard field a header always names (`e-mail` → email), whatever custom fields exist. */
export function standardFieldOf(header: string): StandardField | undefined {
  const reserved = RESERVED_HEADERS.get(normaliseHeader(header.trim()));
  return reserved?.kind === 'standard' ? reserved.field : undefined;
}

/** Where a file's Error column is (an errors.csv fixed and uploaded back), if it has one. */
export function errorColumnIndex(headers: readonly string[]): number | undefined {
  const index = headers.findIndex((header) => normaliseHeader(header.trim()) === normaliseHeader(ERROR_COLUMN));
  return index < 0 ? undefined : index;
}

const targetId = (target: ColumnTarget) => (target.kind === 'standard' ? `s:${target.field}` : target.kind === 'custom' ? `c:${target.key}` : 'ignored');

/**
 * Maps a file's headers to fields, or says everything that is wrong with them at once.
 *
 * A blank header cell is a problem wherever it is, trailing ones included (`Email,Username,,`,
 * which Excel writes when cells right of the table were ever used). Telling such harmless empty
 * columns from a column whose header was cleared by mistake needs the data, which this
 * header-level check never sees; ignoring them would silently drop a whole column of values.
 * The refusal says which columns and how to delete them.
 */
export function resolveColumns(
  headers: readonly string[],
  customFields: readonly CustomFieldColumn[],
): { ok: true; columns: ColumnBinding[] } | { ok: false; problems: ColumnProblem[] } {
  const targets = targetsByHeader(customFields);
  const columns: ColumnBinding[] = [];
  const unknown = new Set<string>();
  const blank: number[] = [];
  const seen = new Map<string, string>();
  const duplicated = new Set<string>();

  headers.forEach((raw, index) => {
    const header = raw.trim(); // trim() also drops a BOM
    if (!header) return blank.push(index + 1);
    const target = targets.get(normaliseHeader(header));
    if (!target) return unknown.add(header);
    const id = targetId(target);
    const earlier = seen.get(id);
    if (earlier !== undefined && target.kind !== 'ignored') {
      duplicated.add(earlier);
      duplicated.add(header);
    }
    seen.set(id, header);
    columns.push({ index, header, target });
  });

  const problems: ColumnProblem[] = [];
  if (!seen.has('s:email')) problems.push({ kind: 'missing_email' });
  if (unknown.size) {
    const headers = [...unknown].slice(0, MAX_LISTED).map((header) => (header.length > 60 ? `${header.slice(0, 60)}…` : header));
    problems.push(unknown.size > MAX_LISTED ? { kind: 'unknown', headers, more: unknown.size - MAX_LISTED } : { kind: 'unknown', headers });
  }
  if (duplicated.size) problems.push({ kind: 'duplicated', headers: [...duplicated] });
  if (blank.length) {
    problems.push(blank.length > MAX_LISTED ? { kind: 'blank_header', positions: blank.slice(0, MAX_LISTED), more: blank.length - MAX_LISTED } : { kind: 'blank_header', positions: blank });
  }
  return problems.length ? { ok: false, problems } : { ok: true, columns };
}

/** 1 → A, 27 → AA: how Excel names the column the admin has to find. */
export function columnLetter(position: number): string {
  let letters = '';
  for (let n = position; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** What an admin may name their columns, for refusals. */
export function acceptedHeaders(customFields: readonly CustomFieldColumn[]): string[] {
  return [...EXPORT_HEADERS, ...customFields.map((field) => field.label)];
}

/** One message for all problems: says what is wrong and what to do in the spreadsheet. */
export function describeColumnProblems(problems: readonly ColumnProblem[]): string {
  const quote = (names: string[]) => names.map((name) => `"${name}"`).join(', ');
  return problems
    .map((problem) => {
      switch (problem.kind) {
        case 'missing_email':
          return 'The file has no Email column: add one (every row needs an email address), or start again from an export of your users.';
        case 'unknown': {
          const many = problem.headers.length > 1;
          const names = problem.more ? `${quote(problem.headers)} and ${problem.more} more` : quote(problem.headers);
          return `Unknown column${many ? 's' : ''} ${names}: rename or delete ${many ? 'them' : 'it'} (a custom field must be defined before it can be imported).`;
        }
        case 'duplicated':
          return `The columns ${quote(problem.headers)} mean the same thing: keep only one of them.`;
        case 'blank_header': {
          const many = problem.positions.length > 1;
          const listed = problem.positions.map((position) => `${columnLetter(position)} (${position})`).join(', ');
          const where = problem.more ? `${listed} and ${problem.more} more` : listed;
          return `Column${many ? 's' : ''} ${where} ha${many ? 've' : 's'} no header: give ${many ? 'them' : 'it'} one, or delete ${many ? 'those columns' : 'the column'} (right-click the column letter, then Delete).`;
        }
      }
    })
    .join(' ');
}
