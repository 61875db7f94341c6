/** The roles a CSV row may assign, in the order the help article lists them. */
export const ROLES = [
  'Admin',
  'Content Author',
  'Manager Analytics',
  'Learner',
  'Prizing User',
  'Excluded from Analytics',
  'Reviewer',
  'Facilitator',
] as const;

export type Role = (typeof ROLES)[number];

/** Every user created or touched by an import keeps these, in add and in replace mode. */
export const DEFAULT_ROLES: readonly Role[] = ['Learner', 'Prizing User'];

const normalise = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();
const ROLE_BY_NORMALISED = new Map<string, Role>(ROLES.map((role) => [normalise(role), role]));

/** `content  author` → `Content Author`; undefined for anything that is not a role. */
export function canonicalRole(text: string): Role | undefined {
  return ROLE_BY_NORMALISED.get(normalise(text));
}
