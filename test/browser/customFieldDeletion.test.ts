import { UserModel } from '../../shared/data/userModel';
import { describeInBrowser, startBrowserSession, type BrowserSession } from '../support/browserSession';
import { importCsv } from '../support/importHelpers';
import { ADMIN_KEY, SUPPORT_KEY } from '../support/testService';

describeInBrowser('admin page, deleting a custom field', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
    await session.service.asAdmin().post('/api/custom-fields').send({ key: 'jobtitle', label: 'Job title' }).expect(201);
    await importCsv(session.service, 'Email,Username,Job title\nada@example.com,ada,Engineer\n');
  });
  afterAll(() => session?.close());
  afterEach(() => {
    expect(session?.pageErrors ?? []).toEqual([]);
  });

  test('When an admin clicks Delete on a field and confirms, then the page says what will happen, the field leaves the list and the page says from how many users its value was removed', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    await page.getByRole('tab', { name: 'Groups & fields' }).click();
    const row = page.locator('#fields-table tbody tr', { hasText: 'Job title' });
    await row.waitFor();

    await row.getByRole('button', { name: 'Delete custom field Job title' }).click();
    const question = page.locator('#fields-table').getByRole('group', { name: 'Delete the custom field Job title?' });
    await question.getByText('Its values are removed from all users').waitFor();
    expect(await question.textContent()).toContain('This cannot be undone.');
    await session.screenshot(page, 'custom-field-delete-confirmation');
    await question.getByRole('button', { name: 'Yes, delete' }).click();

    await page.getByRole('status').filter({ hasText: 'Deleted the custom field "Job title": its value was removed from 1 user.' }).waitFor();
    await page.locator('#fields-table tbody').getByText('No custom fields yet.').waitFor();
    expect(await page.locator('#fields-table tbody tr', { hasText: 'Job title' }).count()).toBe(0);
    expect((await session.service.asAdmin().get('/api/custom-fields')).body.items).toEqual([]);
    const ada = await UserModel.findOne({ username: 'ada' }).lean();
    expect(Object.hasOwn(ada?.customFields ?? {}, 'jobtitle')).toBe(false);
    await page.close();
  });

  test('When support staff open the fields, then there is no Delete button', async () => {
    await session.service.asAdmin().post('/api/custom-fields').send({ key: 'shift', label: 'Shift' }).expect(201);
    const page = await session.openPage();
    await session.signIn(page, SUPPORT_KEY);
    await page.getByRole('tab', { name: 'Groups & fields' }).click();
    await page.locator('#fields-table tbody tr', { hasText: 'Shift' }).waitFor();
    expect(await page.locator('#fields-table').getByRole('button').count()).toBe(0);
    await page.close();
  });
});
