import type { BrowserContext, Page } from 'playwright-core';
import { describeInBrowser, startBrowserSession, type BrowserSession } from '../support/browserSession';
import { importCsv } from '../support/importHelpers';
import { ADMIN_KEY } from '../support/testService';

/**
 * The pages under their real Content-Security-Policy in Chromium: anything the policy blocks
 * (an inline style, an inline script, a foreign host) fires `securitypolicyviolation` and logs
 * a console error, and the session's pageErrors would list the latter.
 */
const HEADER = 'Email,Username,First Name,Last Name,User groups,Roles';

/**
 * Records the page's CSP violations from its first script on, in every page of the context.
 * Strings, not functions: these run in the page, and the test project has no DOM typings.
 */
async function watchViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(`
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sourceFile + ':' + event.lineNumber + ')');
    });
  `);
}

const violationsOf = (page: Page) => page.evaluate('window.__cspViolations');

describeInBrowser('Content-Security-Policy in a real browser', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
    await watchViolations(session.context);
  });
  afterAll(() => session?.close());
  afterEach(() => {
    expect(session?.pageErrors ?? []).toEqual([]);
  });

  test('When an admin signs in, uploads a CSV, follows it to the end and visits every tab, then the page breaks no rule of its policy', async () => {
    const page = await session.openPage();
    await session.signIn(page, ADMIN_KEY);

    await page.locator('#csv-file').setInputFiles({ name: 'csp.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\ncsp@example.com,csp,Content,Policy,,\n`) });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#wizard-job .job-panel[data-status="completed"]').waitFor();

    await page.getByRole('tab', { name: 'Imports' }).click();
    await page.locator('#imports-table tbody tr').first().waitFor();
    await page.getByRole('tab', { name: 'Groups & fields' }).click();
    await page.getByLabel('New group name').fill('Policy');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.locator('#groups-list').getByText('Policy', { exact: true }).waitFor();

    // The stylesheet applied: a blocked one would leave the page unstyled, not only log.
    expect(await page.evaluate('getComputedStyle(document.body).margin')).not.toBe('8px');
    expect(await violationsOf(page)).toEqual([]);
    await page.close();
  });

  test('When an invited user opens the link from the mail and sets a password, then the page is styled by its served stylesheet and breaks no rule', async () => {
    await importCsv(session.service, `${HEADER}\ninvited@example.com,invited,In,Vited,,\n`, { sendInvitations: true });
    const [mail] = await session.smtp.waitForMails(1);
    const token = /\/invite\/([\w-]+)/.exec(mail.parsed.text ?? '')?.[1];
    expect(token).toBeTruthy();

    const page = await session.context.newPage();
    page.on('pageerror', (error) => session.pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) session.pageErrors.push(message.text());
    });
    await page.goto(`${session.baseUrl}/invite/${token}`);
    expect(await page.evaluate(`getComputedStyle(document.querySelector('button[type="submit"]')).backgroundColor`)).toBe('rgb(29, 78, 216)');
    await page.getByLabel('New password').fill('A-good-password-1');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Password set' }).waitFor();
    expect(await violationsOf(page)).toEqual([]);
    await page.close();
  });

  test('When an admin opens the queue board, then it renders both queues under its own policy without a violation', async () => {
    const context = await session.browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_KEY } });
    try {
      await watchViolations(context);
      // The board asks Google Fonts for its typeface; this machine must not reach outside.
      await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${session.baseUrl}/admin/queues`);
      await page.getByText('imports', { exact: true }).first().waitFor();
      await page.getByText('invitations', { exact: true }).first().waitFor();
      expect(await violationsOf(page)).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
