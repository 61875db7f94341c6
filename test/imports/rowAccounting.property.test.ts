/**
 * A property of the whole import, through the real API, queue and worker (fast-check): for any
 * mix of good, broken and hostile rows, the job ends, every row is counted once as created,
 * updated, unchanged or failed, and every failed row is in errors.csv with its row number.
 */
import fc from 'fast-check';
import Papa from 'papaparse';
import { UserModel } from '../../shared/data/userModel';
import { errorsCsv, importCsv, uploadCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

const IMPORT_RUNS = 8;

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
});
afterAll(() => service.stop());

type RowKind = 'good' | 'badEmail' | 'blank' | 'controlCharacter' | 'strayQuote' | 'twoLineName' | 'repeatedUsername' | 'extraCells' | 'formula';

/** One data row of the given kind; `p` keeps each run's users apart. */
function rowOf(kind: RowKind, i: number, p: string): string {
  switch (kind) {
    case 'good': return `${p}${i}@example.com,${p}${i},First,Last`;
    case 'badEmail': return `not-an-email,${p}e${i},A,B`;
    case 'blank': return '';
    case 'controlCharacter': return `${p}c${i}@example.com,${p}c${i},Be\u0007ll,B`;
    case 'strayQuote': return `${p}q${i}@example.com,"${p}q${i},Q,Q`;
    case 'twoLineName': return `${p}m${i}@example.com,${p}m${i},"two\nlines",B`;
    case 'repeatedUsername': return `${p}r@example.com,${p}r,R,R`;
    case 'extraCells': return `${p}x${i}@example.com,${p}x${i},X,X,surplus`;
    case 'formula': return `${p}f${i}@example.com,${p}f${i},=HYPERLINK("http://x"),F`;
  }
}

const rowKinds = fc.array(
  fc.constantFrom<RowKind>('good', 'good', 'good', 'badEmail', 'blank', 'controlCharacter', 'strayQuote', 'twoLineName', 'repeatedUsername', 'extraCells', 'formula'),
  { minLength: 1, maxLength: 40 },
);

describe('accounting for every row of any file', () => {
  test('When any mix of good, broken and hostile rows is imported, then the job ends and every row is counted once and every failure is reported with its row', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(rowKinds, async (kinds) => {
        run += 1;
        const prefix = `run${run}x`;
        const csv = `Email,Username,First Name,Last Name\n${kinds.map((kind, i) => rowOf(kind, i, prefix)).join('\n')}\n`;
        if (kinds.every((kind) => kind === 'blank')) {
          // A header over blank lines has no users: refused at the door, nothing queued.
          const refused = await uploadCsv(service, csv);
          expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 400, code: 'no_rows' });
          return;
        }
        const job = await importCsv(service, csv);
        expect(['completed', 'completed_with_errors']).toContain(job.status);
        const { total, created, updated, unchanged, failed } = job.counts;
        expect(created + updated + unchanged + failed).toBe(total);
        // Without stray quotes every non-blank line is exactly one row.
        if (!kinds.includes('strayQuote')) expect(total).toBe(kinds.filter((kind) => kind !== 'blank').length);
        const report = Papa.parse<Record<string, string>>(await errorsCsv(service, job.id), { header: true, skipEmptyLines: true }).data;
        const rows = report.map((failure) => Number(/^Row (\d+): /.exec(failure.Error)?.[1]));
        expect(rows).toHaveLength(failed);
        expect(new Set(rows).size).toBe(failed);
        for (const row of rows) expect(row).toBeGreaterThanOrEqual(1);
        expect(await UserModel.countDocuments({ username: new RegExp(`^${prefix}`) })).toBe(created);
      }),
      { numRuns: IMPORT_RUNS },
    );
  });
});
