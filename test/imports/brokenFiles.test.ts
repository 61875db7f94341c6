import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { ImportModel } from '../../shared/data/importModel';
import { UserModel } from '../../shared/data/userModel';
import { errorsCsv, exportCsv, importCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
});
afterAll(() => service.stop());
beforeEach(() => UserModel.deleteMany({}));

const HEADER = 'Email,Username,First Name,Last Name';
const user = (i: number, prefix = 'u') => `${prefix}${i}@example.com,${prefix}${i},First${i},Last${i}`;
/** Enough ordinary rows to push what follows past the 64 KiB head the upload inspects. */
const fillerRows = (prefix: string) => Array.from({ length: 1800 }, (_, i) => user(i, prefix));

async function failuresOf(jobId: string): Promise<Record<string, string>[]> {
  return Papa.parse<Record<string, string>>(await errorsCsv(service, jobId), { header: true, skipEmptyLines: true }).data;
}

describe('files that are broken in the middle', () => {
  test('When two users are followed by 60,000 blank lines, then the import finishes with both created and no blank row counted', async () => {
    const job = await importCsv(service, `${HEADER}\n${user(1)}\n${user(2)}\n${'\n'.repeat(60_000)}`);
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ total: 2, created: 2, failed: 0 });
  });

  test('When a quote in the middle of a file is never closed, then only its row fails, with its number, and every row after it is imported', async () => {
    const rows = [user(1), user(2), 'carl@example.com,"carl,Carl,C', ...Array.from({ length: 47 }, (_, i) => user(i + 4))];
    const job = await importCsv(service, `${HEADER}\n${rows.join('\n')}\n`);
    expect(job.status).toBe('completed_with_errors');
    expect(job.counts).toMatchObject({ total: 50, created: 49, failed: 1 });
    const [failure, ...others] = await failuresOf(job.id);
    expect(others).toHaveLength(0);
    expect(failure.Error).toMatch(/^Row 3: /);
    expect(failure.Error).toContain('never closed');
    expect(failure.Error).toContain('Close the quote');
    expect(await UserModel.countDocuments({ username: /^u\d+$/ })).toBe(49);
  });

  test('When a quote is closed only many rows further down, then the row that swallowed them fails and says how many lines it took', async () => {
    const rows = [user(1), 'carl@example.com,carl,"Carl', user(3), user(4), 'x@example.com,x,X",x', user(6)];
    const job = await importCsv(service, `${HEADER}\n${rows.join('\n')}\n`);
    // One record of four lines: nothing is silently lost, the admin is told where to look.
    expect(job.counts).toMatchObject({ total: 3, created: 2, failed: 1 });
    const [failure] = await failuresOf(job.id);
    expect(failure.Error).toMatch(/^Row 2: /);
    expect(failure.Error).toContain('First Name cell runs over 4 lines');
  });

  test('When a Windows-1252 file has its first accent after the first 64 KiB, then names are stored with their accents', async () => {
    const text = `${HEADER}\n${fillerRows('w').join('\r\n')}\r\njose@example.com,jose,José,Müller\r\n`;
    const bytes = iconv.encode(text, 'windows-1252');
    expect(bytes.indexOf(0xe9)).toBeGreaterThan(64 * 1024);
    const job = await importCsv(service, bytes);
    expect(job.status).toBe('completed');
    expect(await UserModel.findOne({ username: 'jose' }).lean()).toMatchObject({ firstName: 'José', lastName: 'Müller' });
    expect((await ImportModel.findById(job.id).lean())?.encoding).toBe('windows-1252');
  });

  test('When a UTF-8 file has a few Windows-1252 bytes far below, then only those rows fail, naming the column, and the UTF-8 names stay right', async () => {
    const head = Buffer.from(`${HEADER}\nzoe@example.com,zoe,Zoë,Ångström\n${fillerRows('m').join('\n')}\n`);
    const tail = iconv.encode('rene@example.com,rene,René,Dupont\n', 'windows-1252');
    const job = await importCsv(service, Buffer.concat([head, tail]));
    expect(job.counts).toMatchObject({ failed: 1 });
    const [failure] = await failuresOf(job.id);
    expect(failure.Error).toContain('The First Name cell has characters that could not be read');
    expect(await UserModel.findOne({ username: 'zoe' }).lean()).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
  });

  test('When control characters appear after the first 64 KiB, then their rows fail naming the column and the export still uploads as a no-op', async () => {
    const rows = [...fillerRows('c'), 'bell@example.com,bell,Be\u0007ll,B', 'esc@example.com,esc,E,Sc\u001b[31m'];
    const job = await importCsv(service, `${HEADER}\n${rows.join('\n')}\n`);
    expect(job.counts).toMatchObject({ failed: 2, created: rows.length - 2 });
    const messages = (await failuresOf(job.id)).map((failure) => failure.Error);
    expect(messages).toEqual([expect.stringContaining('The First Name cell contains the control character U+0007'), expect.stringContaining('The Last Name cell contains the control character U+001B')]);
    const again = await importCsv(service, await exportCsv(service));
    expect(again.status).toBe('completed');
    expect(again.counts).toMatchObject({ unchanged: rows.length - 2, created: 0, updated: 0, failed: 0 });
  });

  test('When the first data row is longer than 64 KiB, then the upload is accepted and that row fails on its own merits', async () => {
    // importCsv fails unless the upload is accepted with a 202.
    const job = await importCsv(service, `${HEADER}\nlong@example.com,long,Long,${'x'.repeat(70_000)}\n${user(2)}\n`);
    expect(job.counts).toMatchObject({ total: 2, created: 1, failed: 1 });
    expect((await failuresOf(job.id))[0].Error).toContain('Last name');
  });
});
