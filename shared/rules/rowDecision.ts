/**
 * The domain rules of an import (README, "The CSV format"): given one CSV row, the upload settings,
 * what the directory knows and the matching user, decide what happens to that user. Pure: no
 * database, no hashing, no clock; the worker gathers the context and applies the decision.
 */
import { ownValue } from './customFieldValues';
import { stripFormulaGuard } from './spreadsheetSafety';
import { passwordRowProblem } from './passwordPolicy';
import { DEFAULT_ROLES, ROLES, canonicalRole } from './roles';
import type { ImportSettings } from './importSettings';
import { CONTROL_CHARACTERS, INVISIBLE_CHARACTERS } from './characters';
import { rowProblem, type RowProblem } from './failureCauses';

export type { ImportSettings };
/** How a row's groups (or roles) meet an existing user's: added to them, or replacing them. */
export type GroupsMode = ImportSettings['groupsMode'];

/** Raw cell text by field; a field is absent when the file has no such column. */
export interface RowCells {
  email?: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  groups?: string;
  roles?: string;
  password?: string;
  externalId?: string;
  custom: Record<string, string>;
}

/** What a user record holds that a row can set. */
interface UserProfile {
  email: string;
  firstName?: string;
  lastName?: string;
  groupIds: string[];
  roles: string[];
  externalId?: string;
  customFields: Record<string, string>;
}

export interface ExistingUser extends UserProfile {
  id: string;
  username: string;
  /**
   * False for a user who never set a password (e.g. invited, link not used yet): a password in
   * the row is then always a change, whatever passwordIsCurrent says. Optional because callers
   * that verify against the stored hash (no hash → no match) need not say.
   */
  hasPassword?: boolean;
}

export interface DecisionContext {
  settings: Pick<ImportSettings, 'groupsMode' | 'rolesMode'>;
  /** Exact group name → id. */
  groupIdsByName: ReadonlyMap<string, string>;
  customFieldKeys: readonly string[];
  /** The user whose username key matches this row's, if any. */
  existing: ExistingUser | undefined;
  /** Set when an earlier row of the same file has the same username. */
  duplicateOfRow?: number;
  /** Whoever holds this row's external ID now, if anyone. */
  externalIdHolder?: { id: string; username: string };
  /** The caller checked the row's password against the existing user's hash. */
  passwordIsCurrent?: boolean;
}

export interface NewUser extends UserProfile {
  username: string;
  usernameKey: string;
}

export interface UserChanges {
  email?: string;
  firstName?: string;
  lastName?: string;
  groupIds?: string[];
  roles?: string[];
  externalId?: string;
  /** Only the keys that change. */
  customFields?: Record<string, string>;
}

export type RowDecision =
  | { kind: 'create'; user: NewUser; password?: string }
  | { kind: 'update'; userId: string; changes: UserChanges; changedFields: string[]; password?: string }
  | { kind: 'unchanged'; userId: string }
  | { kind: 'failed'; problems: RowProblem[] };

/**
 * For a username written in the cell: typed at sign-in and shown in lists, 100 is far beyond
 * any real one, so a longer one is a pasting accident. A username taken from the email follows
 * the email's rules instead (up to 254), or valid addresses could not be usernames.
 */
export const USERNAME_MAX = 100;
/** First and last names, as for usernames. */
export const NAME_MAX = 100;
/** External IDs come from other systems (UUIDs, URNs, paths): generous, but bounded. */
export const EXTERNAL_ID_MAX = 255;
/** The longest address SMTP can carry (RFC 5321 path limit minus the angle brackets). */
export const EMAIL_MAX = 254;
/** A custom field holds a short text (a cost centre, a note), never a document. */
export const CUSTOM_VALUE_MAX = 2000;
/**
 * Pragmatic, not RFC 5322: a local part of RFC 5321's atoms and dots, one @, a dotted domain of
 * letters, digits and hyphens (non-ASCII allowed for both). No quotes, brackets, commas or
 * spaces: a mailer reads `Name<someone@else>` as a display name and sends to the other address.
 */
const EMAIL_PATTERN = /^[\w!#$%&'*+/=?^`{|}~.\u00a0-\uffff-]+@[a-z0-9\u00a0-\uffff-]+(\.[a-z0-9\u00a0-\uffff-]+)+$/i;

/** The identity of a user: usernames are compared case-insensitively. */
export function usernameKey(username: string): string {
  return username.trim().normalize('NFC').toLowerCase();
}

/** A cell as the domain reads it: trimmed, with the export's formula guard taken off. */
export function cellValue(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : stripFormulaGuard(raw.trim());
}

/** The username key a row stands for: its username, or its email when the username is blank. */
export function rowUsernameKey(cells: RowCells): string {
  return usernameKey(cellValue(cells.username) || cellValue(cells.email) || '');
}

/** `marketing; operations;` → [marketing, operations]. */
export function splitList(cell: string | undefined): string[] {
  return (cell ?? '').split(';').map((item) => item.trim()).filter(Boolean);
}

export function decideRow(cells: RowCells, ctx: DecisionContext): RowDecision {
  const problems: RowProblem[] = [];
  const email = cellValue(cells.email) ?? '';
  if (!email) problems.push(rowProblem('missing_email', "Email is missing: add the user's email address (every row needs one)."));
  else if (email.length > EMAIL_MAX) problems.push(rowProblem('email_too_long', `Email ${quoteStart(email)} is longer than ${EMAIL_MAX} characters: use a shorter address.`));
  else if (!EMAIL_PATTERN.test(email) || CONTROL_CHARACTERS.test(email) || INVISIBLE_CHARACTERS.test(email)) {
    problems.push(rowProblem('invalid_email', `Email "${email}" is not a valid address: write it as name@example.com.`));
  }

  const typedUsername = cellValue(cells.username);
  const username = typedUsername || email;
  if (typedUsername && typedUsername.length > USERNAME_MAX) {
    problems.push(rowProblem('username_too_long', `Username ${quoteStart(typedUsername)} is longer than ${USERNAME_MAX} characters: shorten it.`));
  } else if (typedUsername && CONTROL_CHARACTERS.test(typedUsername)) {
    problems.push(rowProblem('username_line_break', `Username "${typedUsername}" contains a line break or tab: type it again on one line.`));
  } else if (typedUsername && INVISIBLE_CHARACTERS.test(typedUsername)) {
    const code = INVISIBLE_CHARACTERS.exec(typedUsername)![0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    problems.push(rowProblem('username_invisible_character', `Username "${typedUsername}" contains an invisible character (U+${code}) that would let it pass for another name: type it again.`));
  }
  if (ctx.duplicateOfRow !== undefined) {
    problems.push(rowProblem('duplicate_username', `Username "${username}" is already in row ${ctx.duplicateOfRow} of this file (duplicate of row ${ctx.duplicateOfRow}): keep one row per user.`));
  }

  const firstName = cellValue(cells.firstName);
  const lastName = cellValue(cells.lastName);
  for (const [label, value] of [['First name', firstName], ['Last name', lastName]] as const) {
    if (value && value.length > NAME_MAX) problems.push(rowProblem('name_too_long', `${label} ${quoteStart(value)} is longer than ${NAME_MAX} characters: shorten it.`, [label]));
  }

  const groupIds = resolveGroups(cells.groups, ctx.groupIdsByName, problems);
  const roles = resolveRoles(cells.roles, problems);

  // The password is taken as written, neither trimmed nor unguarded: the export never writes
  // one (so there is no guard to undo), the caller checks passwordIsCurrent against this exact
  // text, and passwordProblem refuses surrounding spaces rather than silently changing it.
  const password = cells.password !== undefined && cells.password.trim() !== '' ? cells.password : undefined;
  const weakPassword = password === undefined ? undefined : passwordRowProblem(password);
  if (weakPassword) problems.push(weakPassword);

  const externalId = cellValue(cells.externalId) || undefined;
  if (externalId && externalId.length > EXTERNAL_ID_MAX) {
    problems.push(rowProblem('external_id_too_long', `External ID ${quoteStart(externalId)} is longer than ${EXTERNAL_ID_MAX} characters: shorten it.`));
  } else if (externalId && CONTROL_CHARACTERS.test(externalId)) {
    problems.push(rowProblem('external_id_line_break', `External ID "${externalId}" contains a line break or tab: type it again on one line.`));
  } else if (externalId && ctx.externalIdHolder && ctx.externalIdHolder.id !== ctx.existing?.id) {
    const holder = ctx.externalIdHolder.username;
    problems.push(
      rowProblem('external_id_taken', `External ID "${externalId}" already belongs to user "${holder}" (external IDs are unique): give this user a different one, or remove it from "${holder}" first.`),
    );
  }

  // Custom field keys are data, never object internals: own properties only, no prototype.
  const custom: Record<string, string> = Object.create(null);
  for (const key of ctx.customFieldKeys) {
    const value = cellValue(ownValue(cells.custom, key));
    if (value && value.length > CUSTOM_VALUE_MAX) problems.push(rowProblem('custom_value_too_long', `The ${key} value ${quoteStart(value)} is longer than ${CUSTOM_VALUE_MAX} characters: shorten it.`, [key]));
    else if (value) custom[key] = value;
  }

  if (problems.length > 0) return { kind: 'failed', problems };
  if (!ctx.existing) {
    const user: NewUser = {
      username,
      usernameKey: usernameKey(username),
      email,
      groupIds: groupIds ?? [],
      roles: canonicalOrder([...DEFAULT_ROLES, ...(roles ?? [])]),
      customFields: custom,
    };
    if (firstName) user.firstName = firstName;
    if (lastName) user.lastName = lastName;
    if (externalId) user.externalId = externalId;
    return password ? { kind: 'create', user, password } : { kind: 'create', user };
  }
  return decideUpdate(ctx.existing, ctx, { email, firstName, lastName, groupIds, roles, externalId, custom, password });
}

interface RowValues {
  email: string;
  firstName?: string;
  lastName?: string;
  groupIds?: string[];
  roles?: string[];
  externalId?: string;
  custom: Record<string, string>;
  password?: string;
}

function decideUpdate(existing: ExistingUser, ctx: DecisionContext, row: RowValues): RowDecision {
  const changes: UserChanges = {};
  if (row.email !== existing.email) changes.email = row.email;
  // Blank optional cells change nothing for an existing user.
  if (row.firstName && row.firstName !== existing.firstName) changes.firstName = row.firstName;
  if (row.lastName && row.lastName !== existing.lastName) changes.lastName = row.lastName;
  if (row.externalId && row.externalId !== existing.externalId) changes.externalId = row.externalId;

  if (row.groupIds !== undefined) {
    const target = ctx.settings.groupsMode === 'replace' ? row.groupIds : row.groupIds.length ? union(existing.groupIds, row.groupIds) : existing.groupIds;
    if (!sameSet(target, existing.groupIds)) changes.groupIds = target;
  }
  if (row.roles !== undefined) {
    const target =
      ctx.settings.rolesMode === 'replace'
        ? canonicalOrder([...DEFAULT_ROLES, ...row.roles])
        : row.roles.length ? canonicalOrder([...existing.roles.map((role) => canonicalRole(role) ?? role), ...DEFAULT_ROLES, ...row.roles]) : existing.roles;
    if (!sameSet(target, existing.roles)) changes.roles = target;
  }

  const customChanges: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(row.custom)) {
    if (ownValue(existing.customFields, key) !== value) customChanges[key] = value;
  }
  if (Object.keys(customChanges).length) changes.customFields = customChanges;

  const isCurrent = ctx.passwordIsCurrent === true && existing.hasPassword !== false;
  const password = row.password && !isCurrent ? row.password : undefined;
  const changedFields = [...Object.keys(changes).filter((field) => field !== 'customFields'), ...Object.keys(customChanges).map((key) => `customFields.${key}`)];
  if (password) changedFields.push('password');
  if (changedFields.length === 0) return { kind: 'unchanged', userId: existing.id };
  const decision: RowDecision = { kind: 'update', userId: existing.id, changes, changedFields };
  return password ? { ...decision, password } : decision;
}

function resolveGroups(cell: string | undefined, groupIdsByName: ReadonlyMap<string, string>, problems: RowProblem[]): string[] | undefined {
  if (cell === undefined) return undefined;
  const names = splitList(cellValue(cell));
  const unknown = names.filter((name) => !groupIdsByName.has(name));
  if (unknown.length) {
    const message = `Unknown group${unknown.length > 1 ? 's' : ''} ${quoteAll(unknown)}: create ${unknown.length > 1 ? 'them' : 'it'} first, or fix the spelling (names must match exactly).`;
    problems.push(rowProblem('unknown_group', message, unknown));
    return undefined;
  }
  return [...new Set(names.map((name) => groupIdsByName.get(name) as string))];
}

function resolveRoles(cell: string | undefined, problems: RowProblem[]): string[] | undefined {
  if (cell === undefined) return undefined;
  const names = splitList(cellValue(cell));
  const unknown = names.filter((name) => !canonicalRole(name));
  if (unknown.length) {
    problems.push(rowProblem('unknown_role', `Unknown role${unknown.length > 1 ? 's' : ''} ${quoteAll(unknown)}: use only ${ROLES.join(', ')}.`, unknown));
    return undefined;
  }
  return canonicalOrder(names.map((name) => canonicalRole(name) as string));
}

/** Roles in the article's order, each once: stable output whatever order the cell used. */
function canonicalOrder(roles: string[]): string[] {
  const wanted = new Set(roles);
  return [...ROLES.filter((role) => wanted.has(role)), ...[...wanted].filter((role) => !(ROLES as readonly string[]).includes(role))];
}

function union(current: string[], added: string[]): string[] {
  return [...new Set([...current, ...added])];
}

function sameSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

const quoteAll = (names: string[]) => names.map((name) => `"${name}"`).join(', ');

/** A long value quoted by its start: enough to find the cell without flooding the report. */
const quoteStart = (value: string) => `"${value.length > 20 ? `${value.slice(0, 20)}…` : value}"`;

