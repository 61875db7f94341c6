import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startApiServer, type ApiServer } from '../../api/server';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { startTestService, type TestService } from './testService';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REQUIRED = process.env.REQUIRE_BROWSER_TESTS === '1';
const SCREENSHOTS = path.resolve(__dirname, '../../test-artifacts/screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const missingBrowser = () =>
  `Chromium was not found at ${CHROMIUM_PATH}. Install it (Debian/Ubuntu: apt-get install chromium) or point CHROMIUM_PATH at a Chromium or Chrome executable.`;

/**
 * `describe` for browser suites, decided at module load: without Chromium the suite is skipped
 * with one clear line, unless REQUIRE_BROWSER_TESTS=1 (CI), where it runs and fails saying so.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH) || REQUIRED) {
    describe(name, body);
    return;
  }
  // Written directly: jest does not print console output of a suite whose tests all skipped.
  process.stderr.write(`\n[browser tests] SKIPPED "${name}": ${missingBrowser()} Set REQUIRE_BROWSER_TESTS=1 to make this a failure.\n`);
  describe.skip(name, body);
}

export interface BrowserSession {
  service: TestService;
  server: ApiServer;
  smtp: SmtpCapture;
  browser: Browser;
  context: BrowserContext;
  baseUrl: string;
  /** A new tab (fresh sessionStorage, so signed out) on the admin page. */
  openPage(): Promise<Page>;
  /** Signs in through the form and waits for the workspace. */
  signIn(page: Page, key: string): Promise<void>;
  /** Full-page screenshots at desktop and phone width: `<name>-desktop.png`, `<name>-phone.png`. */
  screenshot(page: Page, name: string): Promise<void>;
  /** Runs `trigger` and returns the file the page downloaded. */
  download(page: Page, trigger: () => Promise<unknown>): Promise<{ name: string; content: Buffer }>;
  /** Script errors the page raised (uncaught exceptions and console errors). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** The real service (API on a real port, workers, SMTP peer) and a headless Chromium. */
export async function startBrowserSession(overrides: Partial<Record<string, string>> = {}): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(missingBrowser());
  const smtp = await startSmtpCapture();
  const service = await startTestService(
    { SMTP_URL: smtp.url, INVITE_RATE_PER_SECOND: '1000', INVITE_RETRY_BASE_MS: '50', ...overrides },
    { worker: true },
  );
  const server = await startApiServer(service.runtime, 0);
  const baseUrl = `http://127.0.0.1:${server.port}`;
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (error) {
    // Leave nothing running behind a browser that would not start.
    await server.close().catch(() => undefined);
    await service.stop();
    await smtp.stop();
    throw error;
  }
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  mkdirSync(SCREENSHOTS, { recursive: true });

  return {
    service,
    server,
    smtp,
    browser,
    context,
    baseUrl,
    pageErrors,
    async openPage() {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        // 4xx answers the page handles (e.g. the role probe) are logged by Chromium as errors.
        if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
          pageErrors.push(message.text());
        }
      });
      await page.goto(baseUrl + '/');
      return page;
    },
    async signIn(page, key) {
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#workspace').waitFor({ state: 'visible' });
    },
    async screenshot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
      await page.setViewportSize(PHONE);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
      await page.setViewportSize(DESKTOP);
    },
    async download(page, trigger) {
      const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
      const file = await download.path();
      return { name: download.suggestedFilename(), content: readFileSync(file) };
    },
    async close() {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      await service.stop();
      await smtp.stop();
    },
  };
}
