import type { Page } from 'playwright-core';
import { describeInBrowser, startBrowserSession, type BrowserSession } from '../support/browserSession';
import { createGroups, exportCsv, importCsv, uploadCsv, waitForImport } from '../support/importHelpers';
import { ADMIN_KEY, SUPPORT_KEY, type TestService } from '../support/testService';

const HEADER = 'Email,Username,First Name,Last Name,User groups,Roles,Password,External ID,Job title';
const BEFORE = [
  HEADER,
  'ann@example.com,ann,Ann,Lee,Sales,Reviewer,,,Engineer',
  'bob@example.com,bob,Bob,Stone,,,,B-1,',
].join('\r\n');
/** Ann: last name, groups (Add), roles (Replace), external ID and job title; Bob unchanged; Cyd new. */
const CHANGES = [
  HEADER,
  'ann@example.com,ann,Ann,Lee-Jones,Ops,Facilitator,,A-9,=Chief',
  'bob@example.com,bob,Bob,Stone,,,,B-1,',
  'cyd@example.com,cyd,Cyd,New,Ops,,,,',
].join('\r\n');
const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

async function importFile(service: TestService, fileName: string, csv: string) {
  const response = await uploadCsv(service, csv, {}, fileName);
  return waitForImport(service, response.body.id);
}

/** Opens an import from the Imports tab's list. */
async function openImport(page: Page, fileName: string) {
  await page.getByRole('tab', { name: 'Imports' }).click();
  await page.getByRole('button', { name: new RegExp(`^Open import of ${fileName.replace('.', '\\.')}`) }).click();
  await detail(page).locator('.job-title', { hasText: fileName }).waitFor();
}

const detail = (page: Page) => page.locator('#detail-job .job-panel');
const panel = (page: Page) => page.locator('#wizard-job .job-panel');
const count = (page: Page, name: string) => panel(page).locator(`[data-count="${name}"]`).textContent();

describeInBrowser('preview, run for real and undo on the admin page', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
    await createGroups(session.service, 'Sales', 'Ops');
    expect((await session.service.asAdmin().post('/api/custom-fields').send({ key: 'jobtitle', label: 'Job title' })).status).toBe(201);
    await importCsv(session.service, BEFORE);
  });
  afterAll(() => session?.close());
  afterEach(() => {
    expect(session?.pageErrors ?? []).toEqual([]);
  });

  test('When an admin previews a dry run, runs it for real and then undoes it, then the table and changes.csv show the changes and the export afterwards equals the one before, byte for byte', async () => {
    const exportBefore = await exportCsv(session.service);
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);

    // A dry run with Replace for roles: nothing changes, the preview says what would.
    await page.locator('#csv-file').setInputFiles(csvFile('spring.csv', CHANGES));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('group', { name: 'Roles' }).getByRole('radio', { name: /Replace/ }).check();
    await page.locator('#dry-run').check();
    await page.getByRole('button', { name: 'Upload' }).click();
    await panel(page).and(page.locator('[data-status="completed"]')).waitFor();
    // A dry run reads as what would happen, not as what did.
    expect(await panel(page).locator('.job-status').textContent()).toMatch(/^Dry run complete/);
    expect(await panel(page).locator('.import-count dt').allTextContents()).toEqual(['Would create', 'Would update', 'Would stay unchanged', 'Invited']);
    expect(await panel(page).locator('.failed-count dt').textContent()).toBe('Would fail');
    const preview = panel(page).locator('.job-changes');
    await preview.getByRole('heading', { name: 'What this import would change' }).waitFor();
    const summary = preview.getByRole('list', { name: 'Users per changed field' });
    await summary.getByText('2 users: Last name changed (1 of them new)').waitFor();
    expect(await summary.getByRole('listitem').allTextContents()).toEqual([
      '2 users: Last name changed (1 of them new)',
      '2 users: Groups changed (1 of them new)',
      '2 users: Roles changed (1 of them new)',
      '1 new user: Email set',
      '1 new user: First name set',
      '1 user: External ID changed',
      '1 user: Job title changed',
    ]);
    const table = preview.getByRole('table', { name: 'The first changes this import would make' });
    expect(await table.locator('thead th').allTextContents()).toEqual(['Row', 'Username', 'Outcome', 'Field', 'Before', 'After']);
    const lastName = table.locator('tbody tr').filter({ hasText: 'Last Name' }).first();
    expect(await lastName.locator('td').allTextContents()).toEqual(['1', 'ann', 'Updated', 'Last Name', 'Lee', 'Lee-Jones']);
    expect(await table.locator('tbody tr').filter({ hasText: 'Roles' }).first().locator('td').allTextContents()).toEqual(['1', 'ann', 'Updated', 'Roles', 'Learner; Prizing User; Reviewer', 'Learner; Prizing User; Facilitator']);
    await session.screenshot(page, '20-dry-run-preview');

    const download = await session.download(page, () => preview.getByRole('button', { name: 'Download all changes (CSV)' }).click());
    expect(download.name).toBe('spring-changes.csv');
    const lines = download.content.toString('utf8').replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('Row,Username,Outcome,Field,Before,After');
    expect(lines).toEqual(expect.arrayContaining(['1,ann,Updated,Last Name,Lee,Lee-Jones', "1,ann,Updated,Job title,Engineer,'=Chief", '3,cyd,Created,Email,,cyd@example.com']));
    expect(lines.some((line) => line.startsWith('2,'))).toBe(false);
    expect(await exportCsv(session.service)).toEqual(exportBefore);

    // Run for real: the same file and settings, applied.
    await page.getByRole('button', { name: 'Run this import for real' }).click();
    await panel(page).and(page.locator('[data-status="completed"]')).waitFor();
    await preview.getByRole('heading', { name: 'What this import changed' }).waitFor();
    expect(await page.getByRole('button', { name: 'Run this import for real' }).isVisible()).toBe(false);
    expect([await count(page, 'created'), await count(page, 'updated'), await count(page, 'unchanged')]).toEqual(['1', '1', '1']);
    expect(await panel(page).locator('.job-meta').textContent()).toContain('Roles: replace');
    const applied = await session.download(page, () => preview.getByRole('button', { name: 'Download all changes (CSV)' }).click());
    expect(applied.content.toString('utf8')).toBe(download.content.toString('utf8'));
    expect(await exportCsv(session.service)).not.toEqual(exportBefore);

    // Undo, after a confirmation that says what will happen.
    await page.getByRole('button', { name: 'Undo this import' }).click();
    const confirm = panel(page).getByRole('group', { name: 'Confirm the undo' });
    await confirm.getByRole('heading', { name: 'Undo the import of spring.csv?' }).waitFor();
    expect(await confirm.textContent()).toMatch(/The 1 user it created is removed.*set a password is kept/);
    expect(await confirm.textContent()).toMatch(/goes back to its value before the import.*changed since.*conflict/);
    await session.screenshot(page, '21-undo-confirmation');
    await confirm.getByRole('button', { name: 'Yes, undo this import' }).click();
    await panel(page).getByRole('heading', { name: 'Undo of the import of spring.csv' }).waitFor();
    await panel(page).and(page.locator('[data-status="completed"]')).waitFor();
    expect([await count(page, 'restored'), await count(page, 'removed'), await count(page, 'conflicts'), await count(page, 'failed')]).toEqual(['1', '1', '0', '0']);
    await panel(page).getByText(/^Undo complete: 1 user restored, 1 user removed\.$/).waitFor();
    expect(await panel(page).locator('[data-count="created"]').isVisible()).toBe(false);
    await session.screenshot(page, '22-undo-complete');

    expect((await exportCsv(session.service)).equals(exportBefore)).toBe(true);

    // The import now says it was undone, and offers no second undo.
    await panel(page).getByRole('button', { name: 'Open the import it took back' }).click();
    await panel(page).getByText('This import was undone', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Undo this import' }).isVisible()).toBe(false);
    // Nor is an undone import run again: whoever wants its changes back uploads the file again.
    expect(await panel(page).getByRole('button', { name: 'Re-run' }).isVisible()).toBe(false);
    await page.close();
  });

  test('When a dry run would change nothing, then it says so and offers no run for real', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    await page.locator('#csv-file').setInputFiles({ name: 'same.csv', mimeType: 'text/csv', buffer: await exportCsv(session.service) });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#dry-run').check();
    await page.getByRole('button', { name: 'Upload' }).click();
    await panel(page).and(page.locator('[data-status="completed"]')).waitFor();
    await panel(page).getByText('Dry run complete: importing this file would change nothing.').waitFor();
    expect(await count(page, 'unchanged')).not.toBe('0');
    expect(await page.getByRole('button', { name: 'Run this import for real' }).isVisible()).toBe(false);
    await page.close();
  });

  test('When a field was changed again after the import, then the undo leaves it, counts a conflict, and its download names the field, its value now and what the undo would have written', async () => {
    await importFile(session.service, 'autumn.csv', [HEADER, 'bob@example.com,bob,Bob,Stone-Autumn,,,,B-1,'].join('\r\n'));
    await importFile(session.service, 'winter.csv', [HEADER, 'bob@example.com,bob,Bob,Stone-Winter,,,,B-1,'].join('\r\n'));
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    await openImport(page, 'autumn.csv');
    await detail(page).locator('.job-changes').getByText('1 user: Last name changed').waitFor();
    await detail(page).getByRole('button', { name: 'Undo this import' }).click();
    await detail(page).getByRole('button', { name: 'Yes, undo this import' }).click();
    await detail(page).getByRole('heading', { name: 'Undo of the import of autumn.csv' }).waitFor();
    await detail(page).and(page.locator('[data-status^="completed"]')).waitFor();
    expect(await detail(page).locator('[data-count="conflicts"]').textContent()).toBe('1');
    expect(await detail(page).locator('[data-count="restored"]').textContent()).toBe('0');
    await detail(page).getByText(/1 conflict \(a field changed since the import was left as it is/).waitFor();
    await session.screenshot(page, '23-undo-with-conflict');
    const report = await session.download(page, () => detail(page).getByRole('button', { name: 'Download conflicts and failures' }).click());
    const lines = report.content.toString('utf8').replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('Row,Username,Field,Current value,Undo would write,Error');
    expect(lines[1]).toMatch(/^1,bob,Last Name,Stone-Winter,Stone,/);
    expect((await session.service.asAdmin().get('/api/users/export.csv')).text).toContain('Stone-Winter');
    await page.close();
  });

  test('When a support key opens an import, then it sees the changes and can download them, but is offered neither a run for real nor an undo', async () => {
    await importFile(session.service, 'support.csv', [HEADER, 'sue@example.com,sue,Sue,Port,,,,,'].join('\r\n'));
    const page = await session.openPage();
    await session.signIn(page, SUPPORT_KEY);
    await openImport(page, 'support.csv');
    await detail(page).locator('.job-changes').getByText('1 new user: Email set').waitFor();
    expect(await detail(page).getByRole('button', { name: 'Download all changes (CSV)' }).isVisible()).toBe(true);
    expect(await detail(page).getByRole('button', { name: 'Undo this import' }).isVisible()).toBe(false);
    expect(await detail(page).getByRole('button', { name: 'Run this import for real' }).isVisible()).toBe(false);
    await page.close();
  });
});
