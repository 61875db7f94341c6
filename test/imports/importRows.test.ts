import iconv from 'iconv-lite';
import { UserModel } from '../../shared/data/userModel';
import { createGroups, errorsCsv, importCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
let groups: Record<string, string>;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
  groups = await createGroups(service, 'Marketing', 'Operations', 'Sales');
  await service.asAdmin().post('/api/custom-fields').send({ key: 'jobtitle', label: 'Job title' });
});
afterAll(() => service.stop());

const HEADER = 'Email,Username,First Name,Last Name,User groups,Roles,Password,External ID,Job title';
const findUser = (username: string) => UserModel.findOne({ usernameKey: username.toLowerCase() }).select('+passwordHash').lean();

describe('importing rows', () => {
  test('When a row names a new username, then the user is created with the default roles', async () => {
    const job = await importCsv(service, `${HEADER}\nann@example.com,ann,Ann,Lee,Marketing; Sales;,Reviewer,,EXT-ANN,Engineer\n`);
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ total: 1, processed: 1, created: 1, updated: 0, unchanged: 0, failed: 0 });
    const ann = await findUser('ann');
    expect(ann).toMatchObject({ username: 'ann', email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', externalId: 'EXT-ANN', customFields: { jobtitle: 'Engineer' } });
    expect(ann?.groupIds.map(String).sort()).toEqual([groups.Marketing, groups.Sales].sort());
    expect([...(ann?.roles ?? [])].sort()).toEqual(['Learner', 'Prizing User', 'Reviewer']);
  });

  test('When a row changes one field of an existing user, then only that field changes', async () => {
    await importCsv(service, `${HEADER}\nbob@example.com,bob,Bob,Stone,Operations,,,,Analyst\n`);
    const before = await findUser('bob');
    const job = await importCsv(service, `${HEADER}\nbob@example.com,BOB,Robert,Stone,Operations,,,,Analyst\n`);
    expect(job.counts).toMatchObject({ updated: 1, created: 0, unchanged: 0 });
    const after = await findUser('bob');
    expect(after?.firstName).toBe('Robert');
    expect({ ...after, firstName: undefined, updatedAt: undefined, lastImport: undefined }).toEqual({ ...before, firstName: undefined, updatedAt: undefined, lastImport: undefined });
  });

  test('When a row says what the user already has, then it is unchanged and nothing is written', async () => {
    await importCsv(service, `${HEADER}\ncy@example.com,cy,Cy,,,,,,\n`);
    const before = await findUser('cy');
    const job = await importCsv(service, `${HEADER}\ncy@example.com,cy,Cy,,,,,,\n`);
    expect(job.counts).toMatchObject({ unchanged: 1, updated: 0, created: 0 });
    expect((await findUser('cy'))?.updatedAt).toEqual(before?.updatedAt);
  });

  test('When groups are in add mode, then the cell is added to the current groups; in replace mode it becomes them', async () => {
    await importCsv(service, `${HEADER}\ndee@example.com,dee,,,Marketing,,,,\n`);
    await importCsv(service, `${HEADER}\ndee@example.com,dee,,,Sales,,,,\n`, { groupsMode: 'add' });
    expect((await findUser('dee'))?.groupIds.map(String).sort()).toEqual([groups.Marketing, groups.Sales].sort());
    await importCsv(service, `${HEADER}\ndee@example.com,dee,,,Operations,,,,\n`, { groupsMode: 'replace' });
    expect((await findUser('dee'))?.groupIds.map(String)).toEqual([groups.Operations]);
    await importCsv(service, `${HEADER}\ndee@example.com,dee,,,,,,,\n`, { groupsMode: 'replace' });
    expect((await findUser('dee'))?.groupIds).toEqual([]);
  });

  test('When roles are in add mode they are added, in replace mode they replace, and the default roles stay in both', async () => {
    await importCsv(service, `${HEADER}\neve@example.com,eve,,,,Admin,,,\n`);
    await importCsv(service, `${HEADER}\neve@example.com,eve,,,,facilitator,,,\n`, { rolesMode: 'add' });
    expect([...((await findUser('eve'))?.roles ?? [])].sort()).toEqual(['Admin', 'Facilitator', 'Learner', 'Prizing User']);
    await importCsv(service, `${HEADER}\neve@example.com,eve,,,,Reviewer,,,\n`, { rolesMode: 'replace' });
    expect([...((await findUser('eve'))?.roles ?? [])].sort()).toEqual(['Learner', 'Prizing User', 'Reviewer']);
    await importCsv(service, `${HEADER}\neve@example.com,eve,,,,,,,\n`, { rolesMode: 'replace' });
    expect([...((await findUser('eve'))?.roles ?? [])].sort()).toEqual(['Learner', 'Prizing User']);
  });

  test('When the password cell is blank the hash is kept; when it is set the hash changes and the password is nowhere', async () => {
    await importCsv(service, `${HEADER}\nfay@example.com,fay,,,,,Initial-Secret-1,,\n`);
    const first = (await findUser('fay'))?.passwordHash;
    expect(first).toMatch(/^\$argon2id\$/);
    await importCsv(service, `${HEADER}\nfay@example.com,fay,Fay,,,,,,\n`);
    expect((await findUser('fay'))?.passwordHash).toBe(first);
    await importCsv(service, `${HEADER}\nfay@example.com,fay,Fay,,,,Second-Secret-2,,\n`);
    const second = (await findUser('fay'))?.passwordHash;
    expect(second).not.toBe(first);
    expect(second).not.toContain('Second-Secret-2');
  });

  test('When a username is changed in the file, then a second user is created and the first is untouched', async () => {
    await importCsv(service, `${HEADER}\ngus@example.com,gus,,,,,,,\n`);
    const job = await importCsv(service, `${HEADER}\ngus@example.com,gus.new,,,,,,,\n`);
    expect(job.counts).toMatchObject({ created: 1 });
    expect(await findUser('gus')).not.toBeNull();
    expect(await findUser('gus.new')).not.toBeNull();
  });

  test('When the same username appears twice in a file, then the later row fails as a duplicate of the first', async () => {
    const job = await importCsv(service, `${HEADER}\nhal@example.com,hal,Hal,,,,,,\nhal2@example.com,HAL,Hal Two,,,,,,\n`);
    expect(job.status).toBe('completed_with_errors');
    expect(job.counts).toMatchObject({ created: 1, failed: 1 });
    expect(await errorsCsv(service, job.id)).toContain('duplicate of row 1');
    expect((await findUser('hal'))?.firstName).toBe('Hal');
  });

  test('When an external ID is held by another user, then the row fails naming that user', async () => {
    await importCsv(service, `${HEADER}\nivy@example.com,ivy,,,,,,EXT-IVY,\n`);
    const job = await importCsv(service, `${HEADER}\njon@example.com,jon,,,,,,EXT-IVY,\n`);
    expect(job.counts).toMatchObject({ failed: 1, created: 0 });
    expect(await errorsCsv(service, job.id)).toContain('ivy');
    expect(await findUser('jon')).toBeNull();
  });

  test('When a row names an unknown group and an unknown role, then it fails naming both', async () => {
    const job = await importCsv(service, `${HEADER}\nkim@example.com,kim,,,Marketing; Finance,Wizard,,,\n`);
    expect(job.counts).toMatchObject({ failed: 1 });
    const report = await errorsCsv(service, job.id);
    expect(report).toContain('Finance');
    expect(report).toContain('Wizard');
    expect(await findUser('kim')).toBeNull();
  });

  test('When the file is Windows-1252 from an older Excel, then accents arrive intact', async () => {
    const bytes = iconv.encode(`${HEADER}\nlea@example.com,lea,Léa,Müller-Øster,,,,,Chargée d'études\n`, 'windows-1252');
    const job = await importCsv(service, bytes);
    expect(job.counts).toMatchObject({ created: 1 });
    expect(await findUser('lea')).toMatchObject({ firstName: 'Léa', lastName: 'Müller-Øster', customFields: { jobtitle: "Chargée d'études" } });
  });

  test('When the file is ;-delimited with CRLF from European Excel, then it imports like a comma file', async () => {
    const csv = `${HEADER.replaceAll(',', ';')}\r\nmo@example.com;mo;Mo;;Marketing;;;;\r\n`;
    const job = await importCsv(service, csv);
    expect(job.counts).toMatchObject({ created: 1, failed: 0 });
    expect((await findUser('mo'))?.groupIds.map(String)).toEqual([groups.Marketing]);
  });

  test('When a quoted field holds a comma and a line break, then it is one cell', async () => {
    const job = await importCsv(service, `${HEADER}\nned@example.com,ned,"Ned, Jr.",,,,,,"Head of\nTraining"\n`);
    expect(job.counts).toMatchObject({ created: 1 });
    expect(await findUser('ned')).toMatchObject({ firstName: 'Ned, Jr.', customFields: { jobtitle: 'Head of\nTraining' } });
  });

  test('When a row has more cells than the header, then it fails saying so, numbered as in the spreadsheet', async () => {
    const csv = `${HEADER}\nol@example.com,ol,,,,,,,\n,,,,,,,,\nwide@example.com,wide,,,,,,,,extra\n`;
    const job = await importCsv(service, csv);
    expect(job.counts).toMatchObject({ total: 2, created: 1, failed: 1 });
    const report = await errorsCsv(service, job.id);
    expect(report).toContain('Row 3:');
    expect(report).toContain('10 cells but the header has 9 columns');
  });
});
