import { z } from 'zod';
import { invalidInput } from '../platform/appError';

const flag = (name: string) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', 'on', 'off', '1', '0', ''])], {
      error: `${name} must be true or false`,
    })
    .transform((value) => value === true || value === 'true' || value === 'on' || value === '1')
    .default(false);

const mode = (name: string) => z.enum(['add', 'replace'], { error: `${name} must be "add" or "replace"` }).default('add');

const settingsSchema = z.object({
  sendInvitations: flag('sendInvitations'),
  groupsMode: mode('groupsMode'),
  rolesMode: mode('rolesMode'),
  dryRun: flag('dryRun'),
});

export type ImportSettings = z.infer<typeof settingsSchema>;

/** Upload settings arrive as multipart text fields; anything unexpected is a 400 naming it. */
export function parseImportSettings(fields: Record<string, unknown>): ImportSettings {
  const parsed = settingsSchema.safeParse(fields ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => issue.message);
    throw invalidInput('invalid_settings', `Invalid upload settings: ${problems.join('; ')}.`, { problems });
  }
  return parsed.data;
}

/**
 * The settings a stored job runs with. The defaults above are the only ones: a job stored
 * before a setting existed reads it as its default, as a new upload without it would.
 */
export function importSettingsOf(stored: { [Name in keyof ImportSettings]?: ImportSettings[Name] | null } | null | undefined): ImportSettings {
  const given = Object.entries(stored ?? {}).filter(([, value]) => value !== null && value !== undefined);
  return settingsSchema.parse(Object.fromEntries(given));
}
