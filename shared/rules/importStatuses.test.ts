import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FINAL_STATUSES, IMPORT_STATUSES } from './importStatuses';

// The admin page is plain browser JavaScript and cannot import this module: read its labels.
const page = readFileSync(path.join(__dirname, '..', '..', 'api', 'public', 'js', 'dom.js'), 'utf8');
const objectLiteral = (name: string) => new RegExp(`export const ${name} = \\{([^}]*)\\}`).exec(page)?.[1] ?? '';
const arrayLiteral = (name: string) => new RegExp(`export const ${name} = \\[([^\\]]*)\\]`).exec(page)?.[1] ?? '';

describe('import statuses', () => {
  test('When the admin page shows an import, then it has a label for every status and for no other', () => {
    const labelled = [...objectLiteral('STATUS_LABELS').matchAll(/^\s*(\w+):/gm)].map((match) => match[1]);
    expect(labelled.sort()).toEqual([...IMPORT_STATUSES].sort());
  });

  test('When the admin page decides an import is still going, then it counts exactly the statuses that are not final', () => {
    const active = [...arrayLiteral('ACTIVE_STATUSES').matchAll(/'(\w+)'/g)].map((match) => match[1]);
    expect(active.sort()).toEqual(IMPORT_STATUSES.filter((status) => !FINAL_STATUSES.includes(status)).sort());
  });

  test('When statuses are listed, then the final ones are a subset of all of them', () => {
    for (const status of FINAL_STATUSES) expect(IMPORT_STATUSES).toContain(status);
  });
});
