import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A checkout is all its users have: a comment that sends them to a design document kept
 * elsewhere, or to a folder next to the checkout, sends them nowhere. What the code follows is
 * described in README.md, and the comments point there.
 */
const root = path.join(__dirname, '..', '..');
const SCANNED = ['api', 'shared', 'worker', 'scripts', 'bench', 'test'];
const SKIPPED = new Set(['node_modules', 'dist']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

// Both patterns, and the examples below, are spelt so that this file does not match itself.
const DESIGN_DOCUMENT = new RegExp(['DESIGN', '\\.md', '|', 'DESIGN', '\\s+section'].join(''), 'i');
// A relative path, one or more levels up, into a folder named shared.
const SHARED_PATH = /(?<![\w./-])((?:\.\.\/)+)shared\/([\w./-]*)/g;

/** Whether a relative path, read from `dir`, names something this repository holds. */
function pointsIntoRepository(dir: string, relative: string): boolean {
  const target = path.resolve(dir, relative);
  if (path.relative(root, target).startsWith('..')) return false;
  const base = target.replace(/\/+$/, '');
  return ['', '.ts', '.js', '.json', '/index.ts', '/index.js'].some((suffix) => existsSync(base + suffix));
}

function citationsOutside(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  if (text.includes('\0')) return [];
  const found: string[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${path.relative(root, file)}:${index + 1}`;
    if (DESIGN_DOCUMENT.test(line)) found.push(`${where} cites a design document the repository does not hold: ${line.trim()}`);
    for (const match of line.matchAll(SHARED_PATH)) {
      if (!pointsIntoRepository(path.dirname(file), match[0])) {
        found.push(`${where} names ${match[0]}, which is not in the repository: ${line.trim()}`);
      }
    }
  });
  return found;
}

describe('the repository cites only documents it contains', () => {
  test('no source, test, script or bench file sends its reader to a document or folder outside the checkout', () => {
    const files = SCANNED.flatMap((dir) => filesUnder(path.join(root, dir)));
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap(citationsOutside)).toEqual([]);
  });

  test('the check catches a citation of the design document and of the folder next to the checkout', () => {
    const here = path.join(root, 'shared', 'imports');
    const up = '..' + '/';
    expect(DESIGN_DOCUMENT.test(`The row rules (${'DESIGN'} section 2)`)).toBe(true);
    expect(DESIGN_DOCUMENT.test(`see ${'DESIGN'}.md`)).toBe(true);
    expect(DESIGN_DOCUMENT.test('The row rules (README, "The CSV format")')).toBe(false);
    expect([...`see ${up}${up}shared/notes.md`.matchAll(SHARED_PATH)].map((match) => match[0])).toEqual([`${up}${up}shared/notes.md`]);
    expect(pointsIntoRepository(here, `${up}${up}${up}shared/README.md`)).toBe(false);
    expect(pointsIntoRepository(root, `${up}shared/`)).toBe(false);
    expect(pointsIntoRepository(here, `${up}shared/notes-kept-elsewhere.md`)).toBe(false);
    expect(pointsIntoRepository(path.join(root, 'api'), `${up}shared/platform/config`)).toBe(true);
    expect(pointsIntoRepository(here, `${up}${up}shared/csv/`)).toBe(true);
  });

  test("shared/README.md names every folder of shared/, and every file it names is where it says", () => {
    const guide = readFileSync(path.join(root, 'shared', 'README.md'), 'utf8');
    const folders = readdirSync(path.join(root, 'shared'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.length).toBeGreaterThan(5);
    expect(folders.filter((folder) => !guide.includes(`\`${folder}/\``))).toEqual([]);
    // `folder/file.ts` mentions, in the table and in the row's path, must be real files.
    const named = [...guide.matchAll(/`((?:api|worker|[a-z]+)\/[\w/]+\.ts)`/g)].map((match) => match[1]);
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((file) => !existsSync(path.join(root, file)) && !existsSync(path.join(root, 'shared', file)));
    expect(missing).toEqual([]);
  });
});
