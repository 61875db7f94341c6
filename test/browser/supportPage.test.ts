import { describeInBrowser, startBrowserSession, type BrowserSession } from '../support/browserSession';
import { createGroups, importCsv, uploadCsv } from '../support/importHelpers';
import { SUPPORT_KEY } from '../support/testService';
import { Types } from 'mongoose';
import { ImportModel } from '../../shared/data/importModel';

describeInBrowser('admin page, signed in with a support key', () => {
  let session: BrowserSession;
  let failedJob: { id: string };
  beforeAll(async () => {
    // Small chunks keep a 5,000-row import running long enough to watch and cancel it.
    session = await startBrowserSession({ IMPORT_CHUNK_SIZE: '10' });
    await createGroups(session.service, 'Sales');
    await importCsv(session.service, 'Email,Username\nfirst@example.com,first\n');
    failedJob = await importCsv(session.service, 'Email,Username,User groups\nok@example.com,ok,Sales\nbad@example.com,bad,Nowhere\nworse@@example.com,worse,Sales\n');
  });
  afterAll(() => session?.close());
  afterEach(() => {
    expect(session?.pageErrors ?? []).toEqual([]);
  });

  test('When a support key signs in, then there is no upload or export, and a failed import reads why its rows failed, its failed rows download, and the corrected rows upload back and finish', async () => {
    const page = await session.openPage();
    await session.signIn(page, SUPPORT_KEY);
    await page.getByText('Signed in with the support role').waitFor();

    // Support starts in the Imports tab; the Users tab only explains what the role may not do.
    const rows = page.locator('#imports-table tbody tr');
    await page.getByText('2 imports shown, newest first.').waitFor();
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toMatch(/Completed with errors.*users\.csv.*admin.*3\/3 · 1 created · 2 failed/);
    await session.screenshot(page, '11-support-imports');

    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByText('Your key has the support role').waitFor();
    expect(await page.getByRole('button', { name: 'Export users' }).count() + (await page.getByRole('button', { name: 'Upload' }).count())).toBe(0);
    expect(await page.locator('#csv-file').isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: 'Queues (Bull Board)' }).count()).toBe(0);

    await page.getByRole('tab', { name: 'Groups & fields' }).click();
    await page.locator('#groups-list').getByText('Sales', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /Create|Delete/ }).count()).toBe(0);

    await page.getByRole('tab', { name: 'Imports' }).click();
    await rows.first().getByRole('button', { name: /^Open import of users\.csv/ }).click();
    const detail = page.locator('#detail-job .job-panel');
    await detail.and(page.locator('[data-status="completed_with_errors"]')).waitFor();
    expect(await page.evaluate('document.activeElement.className')).toBe('job-title');

    // Why the rows failed, grouped by cause with what to do, without opening the file.
    const causes = detail.getByRole('list', { name: 'Failed rows by cause, most rows first' });
    expect(await causes.locator('li').allTextContents()).toEqual([
      '1 row: the email is not a valid address: write each as name@example.com in the failed rows file, then Upload corrected rows.',
      '1 row: group "Nowhere" does not exist: create it under Groups & fields (or fix the spelling: names must match exactly), then Retry failed rows.',
    ]);
    // Re-running the whole file is an admin's; support retries failed rows or uploads corrections.
    expect(await detail.getByRole('button', { name: 'Re-run' }).count()).toBe(0);
    await session.screenshot(page, '12-support-import-detail');

    const report = await session.download(page, () => detail.getByRole('button', { name: 'Download failed rows' }).click());
    const failedRows = report.content.toString('utf8');
    expect(failedRows).toContain('bad@example.com,bad,Nowhere,"Row 2: Unknown group ""Nowhere""');

    // Fixed as a support engineer would in Excel: the group spelt right, the address corrected.
    const corrected = failedRows.replace('Nowhere,"Row 2', 'Sales,"Row 2').replace('worse@@example.com', 'worse@example.com');
    await detail.locator('.corrections-file').setInputFiles({ name: 'failed-rows.csv', mimeType: 'text/csv', buffer: Buffer.from(corrected, 'utf8') });
    await detail.getByRole('button', { name: 'Upload corrected rows' }).click();
    await detail.getByText(/corrected rows of an earlier import/).waitFor();
    await detail.and(page.locator('[data-status="completed"]')).waitFor();
    expect(await detail.locator('[data-count="created"]').textContent()).toBe('2');
    expect(await detail.locator('[data-count="failed"]').textContent()).toBe('0');
    await session.screenshot(page, '12b-support-corrected-rows');

    await page.getByRole('button', { name: '← All imports' }).click();
    await page.getByText('3 imports shown, newest first.').waitFor();
    expect(await rows.first().textContent()).toContain('(corrected rows)');
    expect(await rows.first().textContent()).toContain('support');
    expect(await rows.nth(1).getAttribute('data-job-id')).toBe(failedJob.id);
    await page.close();
  });

  test('When support opens an import that is still running, then the bar moves and Cancel stops it, saying what stayed applied', async () => {
    const lines = ['Email,Username'];
    for (let row = 0; row < 5_000; row += 1) lines.push(`bulk${row}@example.com,bulk${row}`);
    const upload = await uploadCsv(session.service, lines.join('\n'), {}, 'bulk.csv');
    expect(upload.status).toBe(202);

    const page = await session.openPage();
    await session.signIn(page, SUPPORT_KEY);
    await page.locator(`#imports-table tr[data-job-id="${upload.body.id}"]`).getByRole('button', { name: /^Open/ }).click();
    const detail = page.locator('#detail-job .job-panel');
    await detail.and(page.locator('[data-status="running"]')).waitFor();
    await page.waitForFunction("Number(document.querySelector('#detail-job progress').value) > 0");
    expect(await detail.locator('.job-rows').textContent()).toMatch(/^[\d,]+ of 5,000 rows · [\d,.]+ rows\/s · about .+ left$/);
    await session.screenshot(page, '13-support-running-import');

    await detail.getByRole('button', { name: 'Cancel import' }).click();
    await detail.and(page.locator('[data-status="cancelled"]')).waitFor();
    await detail.getByText(/^Import cancelled after [\d,]+ of 5,000 rows\. The rows applied before cancelling stay applied\.$/).waitFor();
    expect(await detail.getByRole('button', { name: 'Cancel import' }).count()).toBe(0);
    expect(Number((await detail.locator('[data-count="created"]').textContent())?.replace(/,/g, ''))).toBeLessThan(5_000);
    await page.close();
  });

  test('When support opens an import whose worker is waiting for the database, then the page says so and that nothing applied is lost', async () => {
    // What a worker records while MongoDB is away (see test/faults): the job is running, and waits.
    const since = new Date();
    const job = await ImportModel.create({
      fileName: 'waiting.csv', fileId: new Types.ObjectId(), fileSize: 100, encoding: 'utf8', delimiter: ',', headers: ['Email'],
      status: 'running', startedAt: since, counts: { total: 4000, processed: 1200, created: 1200 }, checkpointRow: 1200,
      retrying: { reason: 'The connection to the database (MongoDB) was lost (connection 4 closed)', attempt: 3, nextAt: new Date(since.getTime() + 4000), since },
    });

    const page = await session.openPage();
    await session.signIn(page, SUPPORT_KEY);
    await page.locator(`#imports-table tr[data-job-id="${job.id}"]`).getByRole('button', { name: /^Open/ }).click();
    const detail = page.locator('#detail-job .job-panel');
    await detail.and(page.locator('[data-status="running"]')).waitFor();
    await detail.locator('.job-status').getByText('Waiting for the database…').waitFor();
    expect(await detail.locator('.job-rows').textContent()).toMatch(
      /^1,200 of 4,000 rows · The connection to the database \(MongoDB\) was lost \(connection 4 closed\)\. The import resumes by itself from its last saved chunk \(next try at .+, attempt 3\); nothing applied so far is lost\.$/,
    );
    await session.screenshot(page, '14-support-import-waiting-for-database');
    await ImportModel.updateOne({ _id: job._id }, { $set: { status: 'cancelled', retrying: null } });
    await page.close();
  });
});
