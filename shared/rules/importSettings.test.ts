import { AppError } from '../platform/appError';
import { importSettingsOf, parseImportSettings } from './importSettings';

describe('upload settings', () => {
  test('no settings mean: no invitations, add for groups and roles, a real run', () => {
    expect(parseImportSettings({})).toEqual({ sendInvitations: false, groupsMode: 'add', rolesMode: 'add', dryRun: false });
  });

  test('form text fields are read as the admin chose them', () => {
    expect(parseImportSettings({ sendInvitations: 'true', groupsMode: 'replace', rolesMode: 'add', dryRun: 'false' })).toEqual({
      sendInvitations: true,
      groupsMode: 'replace',
      rolesMode: 'add',
      dryRun: false,
    });
  });

  test.each([
    [{ groupsMode: 'merge' }, 'groupsMode must be "add" or "replace"'],
    [{ rolesMode: 'REPLACE' }, 'rolesMode must be "add" or "replace"'],
    [{ sendInvitations: 'yes please' }, 'sendInvitations must be true or false'],
    [{ dryRun: 'maybe' }, 'dryRun must be true or false'],
  ])('%j is refused with a message naming the setting', (fields, message) => {
    expect(() => parseImportSettings(fields)).toThrow(AppError);
    expect(() => parseImportSettings(fields)).toThrow(message);
  });

  test.each([
    [undefined, { sendInvitations: false, groupsMode: 'add', rolesMode: 'add', dryRun: false }],
    [{ sendInvitations: true, groupsMode: 'replace' }, { sendInvitations: true, groupsMode: 'replace', rolesMode: 'add', dryRun: false }],
    [{ sendInvitations: true, groupsMode: 'add', rolesMode: 'replace', dryRun: null }, { sendInvitations: true, groupsMode: 'add', rolesMode: 'replace', dryRun: false }],
  ] as const)('a job stored with settings %j runs with the upload defaults for the rest', (stored, expected) => {
    expect(importSettingsOf(stored)).toEqual(expected);
  });
});
