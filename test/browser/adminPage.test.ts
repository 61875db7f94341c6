import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { UserModel } from '../../shared/data/userModel';
import { describeInBrowser, startBrowserSession, type BrowserSession } from '../support/browserSession';
import { createGroups, importCsv, uploadCsv } from '../support/importHelpers';
import { ADMIN_KEY } from '../support/testService';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const HEADER = 'Email,Username,First Name,Last Name,User groups,Roles';
const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

const panel = (page: Page) => page.locator('#wizard-job .job-panel');
const count = (page: Page, name: string) => panel(page).locator(`[data-count="${name}"]`).textContent();

/** Presses Tab until the element with `id` has focus: proves it is reachable by keyboard. */
async function tabTo(page: Page, id: string, limit = 25): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    if ((await page.evaluate('document.activeElement && document.activeElement.id')) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} was not reached with ${limit} presses of Tab`);
}

describeInBrowser('admin page, signed in with an admin key', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
    await createGroups(session.service, 'Engineering');
    await importCsv(session.service, `${HEADER}\nlinus@example.com,linus,Linus,Torvalds,Engineering,Reviewer\n`);
  });
  afterAll(() => session?.close());
  afterEach(() => {
    expect(session?.pageErrors ?? []).toEqual([]);
  });

  test('When an admin signs in, then the role is shown, Export users downloads the CSV (BOM and export header), and Sign out forgets the key', async () => {
    const page = await session.openPage();
    await page.getByLabel('API key').waitFor();
    await session.screenshot(page, '01-sign-in');

    await session.signIn(page, ADMIN_KEY);
    await page.getByText('Signed in with the admin role').waitFor();
    expect(await page.getByRole('link', { name: 'Queues (Bull Board)' }).getAttribute('href')).toBe('/admin/queues');
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    await session.screenshot(page, '02-users-upload-csv');

    const exported = await session.download(page, () => page.getByRole('button', { name: 'Export users', exact: true }).click());
    expect(exported.name).toMatch(/^users-\d{4}-\d{2}-\d{2}-\d{6}\.csv$/);
    expect(exported.content.subarray(0, 3)).toEqual(BOM);
    const lines = exported.content.subarray(3).toString('utf8').split(/\r?\n/);
    expect(lines[0]).toMatch(/^Email,Username,First Name,Last Name,User groups,Roles,Password,External ID/);
    expect(lines[1]).toContain('linus@example.com,linus,Linus,Torvalds,Engineering');
    await page.getByText(`Exported ${exported.name}.`).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.locator('#workspace').isVisible()).toBe(false);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  });

  test('When an admin presses Export users (Excel), then a dated workbook downloads with the export header and the users', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    const exported = await session.download(page, () => page.getByRole('button', { name: 'Export users (Excel)' }).click());
    expect(exported.name).toMatch(/^users-\d{4}-\d{2}-\d{2}-\d{6}\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    // exceljs declares its own Buffer type, which Node's Buffer no longer matches.
    await workbook.xlsx.load(exported.content as unknown as Parameters<typeof workbook.xlsx.load>[0]);
    const sheet = workbook.worksheets[0];
    expect((sheet.getRow(1).values as unknown[]).slice(1, 9)).toEqual(['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'Password', 'External ID']);
    expect((sheet.getRow(2).values as unknown[]).slice(1, 6)).toEqual(['linus@example.com', 'linus', 'Linus', 'Torvalds', 'Engineering']);
    await page.getByText(`Exported ${exported.name}.`).waitFor();
    await page.close();
  });

  test('When a CSV with an unknown group is uploaded with invitations on and Replace for roles, then the failed row can be downloaded, and after creating the group Retry failed rows ends with no failures and both invitations arrive', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    const csv = [
      HEADER,
      'ada@example.com,ada,Ada,Lovelace,Engineering,Reviewer',
      'grace@example.com,grace,Grace,Hopper,Research,Admin; Facilitator',
      'linus@example.com,linus,Linus,Torvalds,Engineering,Facilitator',
    ].join('\r\n');

    // 1: choose the file.
    await page.locator('#csv-file').setInputFiles(csvFile('people.csv', csv));
    await page.getByText('Selected: people.csv').waitFor();
    await session.screenshot(page, '03-step1-file-chosen');
    await page.getByRole('button', { name: 'Next' }).click();

    // 2: settings, with the article's wording.
    await page.getByText('Only new users will be sent invitations if you enable this option.').waitFor();
    await page.getByRole('switch', { name: 'Send invitations to new users' }).check();
    await page.getByRole('group', { name: 'Roles' }).getByRole('radio', { name: /Replace/ }).check();
    expect(await page.getByRole('group', { name: 'User groups' }).getByRole('radio', { name: /Add/ }).isChecked()).toBe(true);
    expect(await page.getByText('All users imported via CSV will retain the default roles of Learner and Prizing User.').isVisible()).toBe(true);
    await session.screenshot(page, '04-step2-settings');
    await page.getByRole('button', { name: 'Upload' }).click();

    // 3: live progress until the end.
    await panel(page).and(page.locator('[data-status="completed_with_errors"]')).waitFor();
    expect(await panel(page).locator('progress').getAttribute('value')).toBe('100');
    expect(await panel(page).locator('.job-percent').textContent()).toBe('100 %');
    expect(await panel(page).locator('.job-rows').textContent()).toMatch(/^3 of 3 rows/);
    expect([await count(page, 'created'), await count(page, 'updated'), await count(page, 'failed')]).toEqual(['1', '1', '1']);
    // Invitations go out after the rows are applied: the page keeps polling until they have.
    await panel(page).locator('[data-count="invited"]', { hasText: /^1$/ }).waitFor();
    await page.getByText(/1 row failed/).waitFor();
    await session.screenshot(page, '05-step3-result-with-failures');

    const report = await session.download(page, () => page.getByRole('button', { name: 'Download failed rows' }).click());
    expect(report.name).toBe('people-errors.csv');
    const reportLines = report.content.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
    expect(reportLines[0]).toBe(`${HEADER},Error`);
    expect(reportLines[1]).toMatch(/^grace@example\.com,grace,Grace,Hopper,Research,Admin; Facilitator,"?Row 2: Unknown group "*Research/);
    expect(reportLines.filter(Boolean)).toHaveLength(2);

    // The missing group is created in the Groups & fields tab; a duplicate is refused inline.
    await page.getByRole('tab', { name: 'Groups & fields' }).click();
    await page.locator('#groups-list').getByText('Engineering', { exact: true }).waitFor();
    await page.getByLabel('New group name').fill('Research');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.locator('#groups-list').getByText('Research', { exact: true }).waitFor();
    await page.getByLabel('New group name').fill('Research');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('alert').filter({ hasText: 'A group named "Research" already exists.' }).waitFor();
    await session.screenshot(page, '06-groups-and-fields');

    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Retry failed rows' }).click();
    await panel(page).and(page.locator('[data-status="completed"]')).waitFor();
    await page.getByText('Import complete: your changes are live on the learners\' profiles.').waitFor();
    expect([await count(page, 'created'), await count(page, 'failed')]).toEqual(['1', '0']);
    expect(await page.getByRole('button', { name: 'Download failed rows' }).isVisible()).toBe(false);
    await panel(page).locator('.job-invitations').getByText(/^1 sent, 0 waiting to be sent, 0 failed\.$/).waitFor();
    await panel(page).locator('[data-count="invited"]', { hasText: /^1$/ }).waitFor();
    await session.screenshot(page, '07-retry-complete');

    const mails = await session.smtp.waitForMails(2);
    expect(mails.map((mail) => mail.envelopeTo[0]).sort()).toEqual(['ada@example.com', 'grace@example.com']);
    const linus = await UserModel.findOne({ usernameKey: 'linus' }).lean();
    expect([...(linus?.roles ?? [])].sort()).toEqual(['Facilitator', 'Learner', 'Prizing User']);
    await page.close();
  });

  test('When the server refuses the file at the door, then its message is shown next to the file picker and the wizard is back on step 1', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    const refusals = [
      csvFile('shoes.csv', 'Email,Username,Shoe size\nann@example.com,ann,42\n'),
      { name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(64, 1)]) },
    ];
    for (const file of refusals) {
      const expected = (await uploadCsv(session.service, file.buffer, {}, file.name)).body.error.message as string;
      await page.locator('#csv-file').setInputFiles(file);
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Upload' }).click();
      const alert = page.locator('#step-file').getByRole('alert');
      await alert.filter({ hasText: expected }).waitFor();
      expect(await page.locator('#step-settings').isVisible()).toBe(false);
      expect(await page.evaluate('document.activeElement.id')).toBe('csv-file');
    }
    expect(await page.locator('#file-error').textContent()).toMatch(/Excel workbook/);
    await session.screenshot(page, '08-refused-file');
    // Choosing another file clears the message.
    await page.locator('#csv-file').setInputFiles(csvFile('ok.csv', 'Email\nok@example.com\n'));
    expect(await page.locator('#file-error').textContent()).toBe('');
    await page.close();
  });

  test('When the mail server refuses an invitation, then the result names the address and the reason', async () => {
    session.smtp.failNextRecipients(1, 550, 'Mailbox unavailable');
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    await page.locator('#csv-file').setInputFiles(csvFile('invite.csv', `${HEADER}\nnomail@example.com,nomail,No,Mail,,\n`));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('switch', { name: 'Send invitations to new users' }).check();
    await page.getByRole('button', { name: 'Upload' }).click();
    const invitations = panel(page).locator('.job-invitations');
    await invitations.getByText('0 sent, 0 waiting to be sent, 1 failed.').waitFor();
    expect(await invitations.getByRole('list', { name: 'Invitations that could not be sent' }).textContent()).toMatch(/^nomail@example\.com: .*550.*Mailbox unavailable/);
    await session.screenshot(page, '09-invitation-failure');
    await page.close();
  });

  test('When only the keyboard is used, then the key can be entered and the wizard completed: Tab reaches each control, Space and Enter activate them', async () => {
    const page = await session.openPage();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('api-key');
    await page.keyboard.type(ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.locator('#workspace').waitFor();

    // Listening before the Tab presses: Playwright turns on file-chooser interception with a
    // message of its own, and a Space that arrives first opens a native dialog no event reports
    // (seen once in CI under load). The Tab presses' round trips let that message land.
    const chooserOpened = page.waitForEvent('filechooser');
    await tabTo(page, 'csv-file');
    const [chooser] = await Promise.all([chooserOpened, page.keyboard.press('Space')]);
    await chooser.setFiles(csvFile('keyboard.csv', `${HEADER}\nkey@example.com,keyboard,Kim,Board,,\n`));
    await page.getByText('Selected: keyboard.csv').waitFor();
    await tabTo(page, 'to-settings');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: '2. Upload settings' }).waitFor();
    await tabTo(page, 'send-invitations');
    await page.keyboard.press('Space');
    expect(await page.getByRole('switch', { name: 'Send invitations to new users' }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('group', { name: 'User groups' }).getByRole('radio', { name: /Replace/ }).isChecked()).toBe(true);
    await tabTo(page, 'dry-run');
    await page.keyboard.press('Space');
    expect(await page.locator('#dry-run').isChecked()).toBe(true);
    await session.screenshot(page, '10-keyboard-focus');
    await tabTo(page, 'start-upload');
    await page.keyboard.press('Enter');

    await panel(page).and(page.locator('[data-status="completed"]')).waitFor();
    await page.getByText('Dry run complete: nothing was changed.', { exact: false }).waitFor();
    expect(await count(page, 'created')).toBe('1');
    expect(await UserModel.countDocuments({ usernameKey: 'keyboard' })).toBe(0);
    await tabTo(page, 'upload-another');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '1. Select file' }).waitFor();
    await page.close();
  });

  test('When an admin re-sends an invitation by e-mail address, then the user gets a new mail and the old link says a newer invitation was sent', async () => {
    const job = await importCsv(session.service, `${HEADER}\nmargaret@example.com,margaret,Margaret,Hamilton,Engineering,\n`, { sendInvitations: true });
    expect(job.counts.created).toBe(1);
    const linkOf = (text: string) => /http:\/\/[^\s]+\/invite\/[\w-]+/.exec(text)?.[0] as string;
    const oldLink = linkOf((await waitForMailTo(session, 'margaret@example.com')).parsed.text ?? '');
    const mailsBefore = session.smtp.mails.length;

    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    await page.getByLabel('Username or e-mail address').fill('margaret@example.com');
    await page.getByRole('button', { name: 'Re-send invitation' }).click();
    await page.getByText('A new invitation to margaret (margaret@example.com) is on its way. The link in the earlier mail no longer works.').waitFor();
    await session.screenshot(page, '08-resend-invitation');
    const [second] = await session.smtp.waitForMails(mailsBefore + 1).then((mails) => mails.slice(mailsBefore));
    expect(second.envelopeTo).toEqual(['margaret@example.com']);
    expect(linkOf(second.parsed.text ?? '')).not.toBe(oldLink);

    const old = await page.goto(oldLink.replace(/^http:\/\/[^/]+/, session.baseUrl));
    expect(old?.status()).toBe(410);
    await page.getByText('This invitation link was replaced: a newer invitation was sent to this address.').waitFor();

    // A name nobody has is answered next to the field.
    await page.goto(session.baseUrl);
    await page.getByLabel('Username or e-mail address').fill('nobody-here@example.com');
    await page.getByRole('button', { name: 'Re-send invitation' }).click();
    await page.getByText('User "nobody-here@example.com" was not found: no user has that username or e-mail address.', { exact: false }).waitFor();
    await page.close();
  });

  test('When an admin re-runs a whole file, then the page asks first and says what a re-run does; the Queues link opens the board without a password prompt', async () => {
    const job = await importCsv(session.service, `${HEADER}\nrerun@example.com,rerun,Re,Run,Engineering,\n`);
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);
    await page.getByRole('tab', { name: 'Imports' }).click();
    await page.locator(`#imports-table tr[data-job-id="${job.id}"]`).getByRole('button', { name: /^Open/ }).click();
    const detail = page.locator('#detail-job .job-panel');
    await detail.and(page.locator('[data-status="completed"]')).waitFor();

    await detail.getByRole('button', { name: 'Re-run' }).click();
    const confirm = detail.getByRole('group', { name: 'Confirm the re-run' });
    await confirm.getByRole('heading', { name: 'Re-run every row of users.csv?' }).waitFor();
    expect(await confirm.textContent()).toContain('a field changed since (by hand or by a later import) is set back to the file\'s value');
    await confirm.getByRole('button', { name: 'Keep it as it is' }).click();
    expect(await confirm.isVisible()).toBe(false);
    await detail.getByRole('button', { name: 'Re-run' }).click();
    await confirm.getByRole('button', { name: 'Yes, re-run the whole file' }).click();
    await detail.getByText(/re-run of an earlier import/).waitFor();
    await detail.and(page.locator('[data-status="completed"]')).waitFor();
    expect(await detail.locator('[data-count="unchanged"]').textContent()).toBe('1');

    // The board session the page took when it signed in: no Basic prompt, no key typed. The
    // board asks Google Fonts for its typeface; this machine must not reach outside.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
    await page.getByRole('link', { name: 'Queues (Bull Board)' }).click();
    await page.waitForURL(/\/admin\/queues/);
    await page.getByText('imports', { exact: true }).first().waitFor();
    await page.close();
  });
});

async function waitForMailTo(session: BrowserSession, address: string) {
  for (let count = 1; ; count += 1) {
    const mails = await session.smtp.waitForMails(count);
    const found = mails.find((mail) => mail.envelopeTo[0] === address);
    if (found) return found;
  }
}
