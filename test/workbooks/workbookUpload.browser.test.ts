import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { UserModel } from '../../shared/data/userModel';
import { describeInBrowser, startBrowserSession, type BrowserSession } from '../support/browserSession';
import { exportCsv, importCsv } from '../support/importHelpers';
import { ADMIN_KEY } from '../support/testService';
import { USER_HEADER, userWorkbook } from '../support/workbookFiles';

const WORKBOOK_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const panel = (page: Page) => page.locator('#wizard-job .job-panel');
const count = (page: Page, name: string) => panel(page).locator(`[data-count="${name}"]`).textContent();

async function uploadThroughPage(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.locator('#csv-file').setInputFiles({ name, mimeType: WORKBOOK_TYPE, buffer });
  await page.getByText(`Selected: ${name}`).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Upload' }).click();
}

describeInBrowser('Excel workbooks on the admin page', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
    await importCsv(session.service, 'Email,Username,First Name,Last Name,External ID\r\nann@example.com,ann,Ann,Lee,000123\r\nbob@example.com,bob,Bob,Stone,2024-01-05\r\n');
  });
  afterAll(() => session?.close());
  afterEach(() => {
    expect(session?.pageErrors ?? []).toEqual([]);
  });

  test('When an admin downloads the Excel export and uploads it back through the file step, then every user is unchanged, IDs with zeros included', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    expect(await page.locator('#csv-file').getAttribute('accept')).toContain('.xlsx');
    const before = await exportCsv(session.service);
    const exported = await session.download(page, () => page.getByRole('button', { name: 'Export users (Excel)' }).click());

    await uploadThroughPage(page, exported.name, exported.content);

    await panel(page).and(page.locator('[data-status="completed"]')).waitFor();
    expect([await count(page, 'unchanged'), await count(page, 'failed')]).toEqual(['2', '0']);
    expect((await exportCsv(session.service)).equals(before)).toBe(true);
    expect(await UserModel.findOne({ username: 'ann' }).lean()).toMatchObject({ externalId: '000123' });
    await page.close();
  });

  test('When a workbook has a failed row, then the page offers the failed rows as a workbook that opens in Excel with the Error column', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    const workbook = await userWorkbook([USER_HEADER, ['cyd', 'not-an-email', 'Cyd', 'New', '0042'], ['dee', 'dee@example.com', 'Dee', 'New', '0043']]);

    await uploadThroughPage(page, 'new-people.xlsx', workbook);

    await panel(page).and(page.locator('[data-status="completed_with_errors"]')).waitFor();
    const report = await session.download(page, () => page.getByRole('button', { name: 'Download failed rows (Excel)' }).click());
    expect(report.name).toBe('new-people-errors.xlsx');
    const errors = new ExcelJS.Workbook();
    await errors.xlsx.load(report.content as unknown as Parameters<typeof errors.xlsx.load>[0]);
    const sheet = errors.worksheets[0];
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([...USER_HEADER, 'Error']);
    expect((sheet.getRow(2).values as unknown[]).slice(1, 6)).toEqual(['cyd', 'not-an-email', 'Cyd', 'New', '0042']);
    expect(sheet.actualRowCount).toBe(2);
    await page.close();
  });
});
