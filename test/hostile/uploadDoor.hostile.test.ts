/**
 * Hostile files at the upload door (POST /api/imports). No worker runs and no upload in this
 * file is ever accepted, so "nothing queued" is checked in its strict form: GET /api/imports
 * lists no job, the import queue is empty and no upload bytes are stored.
 */
import { uploadCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { expectNothingQueued, expectPrototypesClean, expectRefusedUpload, GOOD_CSV, multipartBody, postRawUpload } from './hostileKit';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ MAX_UPLOAD_MB: '2' });
  await expectNothingQueued(service);
});
afterAll(() => service.stop());

const utf16 = (text: string, bom: boolean, bigEndian = false) => {
  const le = Buffer.from(text, 'utf16le');
  const body = bigEndian ? Buffer.from(le).swap16() : le;
  const mark = bigEndian ? Buffer.from([0xfe, 0xff]) : Buffer.from([0xff, 0xfe]);
  return bom ? Buffer.concat([mark, body]) : body;
};
const CSV = 'Email,Username\r\nann@example.com,ann\r\n';
const SAVE_AS = /Save As|CSV UTF-8/;

describe('files that are not CSV text are refused at the door', () => {
  test.each<[string, number, string, Buffer, RegExp]>([
    ['a zip that is no readable workbook (zip magic bytes, then junk) named users.csv', 422, 'unreadable_workbook', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), Buffer.from('[Content_Types].xml')]), SAVE_AS],
    ['an old .xls workbook (OLE magic bytes)', 415, 'not_csv', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]), SAVE_AS],
    ['UTF-16 little-endian with a BOM ("Unicode Text")', 415, 'not_csv', utf16(CSV, true), /UTF-16/],
    ['UTF-16 big-endian with a BOM', 415, 'not_csv', utf16(CSV, true, true), /UTF-16/],
    ['UTF-16 without a BOM (NUL bytes between the letters)', 415, 'not_csv', utf16(CSV, false), SAVE_AS],
    ['a gzip-compressed CSV', 415, 'not_csv', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c]), SAVE_AS],
    ['a file holding only a UTF-8 BOM', 400, 'empty_file', Buffer.from([0xef, 0xbb, 0xbf]), /empty/i],
    ['a file of spaces and blank lines', 400, 'empty_file', Buffer.from('   \r\n\r\n\t\r\n\n   \n'), /empty/i],
    ['a header with a BOM and only blank rows after it', 400, 'no_rows', Buffer.from('\uFEFFEmail,Username\r\n\r\n\r\n'), /no users/],
    ['a header followed by rows of bare delimiters', 400, 'no_rows', Buffer.from('Email,Username,First Name\n,,\n , , \n,,\n'), /no users/],
    ['a blank first line above the header', 400, 'missing_header', Buffer.from('\r\nEmail,Username\r\nann@example.com,ann\r\n'), /first line .*header/],
    ['an HTML page with a script, saved as .csv', 400, 'invalid_columns', Buffer.from('<!doctype html>\n<html><body><script>fetch("/api/users/export.csv")</script></body></html>\n'), /Email column/],
    ['a header naming Email twice in different spellings', 400, 'invalid_columns', Buffer.from('Email,E-Mail\nann@example.com,ann@example.com\n'), /mean the same thing/],
    ['headers named __proto__ and constructor', 400, 'invalid_columns', Buffer.from('Email,__proto__,constructor\nann@example.com,{"polluted":true},x\n'), /Unknown columns "__proto__", "constructor"/],
  ])('When the upload is %s, then it is refused (%i %s) with a message that says what to do, and nothing is queued', async (_name, status, code, bytes, hint) => {
    const response = await uploadCsv(service, bytes);
    await expectRefusedUpload(service, response, { status, code, hint });
    expectPrototypesClean();
  });

  // Excel writes `Email,Username,,,,,…` when cells far right of the table were ever used. The
  // refusal is right; a message listing thousands of columns is not something an admin can read.
  test('When the header has 5,000 trailing empty columns (an Excel used range), then the refusal stays a readable message', async () => {
    const response = await uploadCsv(service, `Email,Username${','.repeat(5000)}\r\nann@example.com,ann\r\n`);
    await expectRefusedUpload(service, response, { status: 400, code: 'invalid_columns', hint: /no header/ });
    expect(response.body.error.message.length).toBeLessThan(2000);
    expect(response.text.length).toBeLessThan(20_000);
  });
});

describe('hostile multipart requests are refused at the door', () => {
  const B = 'hostile-boundary';
  const file = { name: 'file', filename: 'users.csv', body: GOOD_CSV };
  test.each<[string, () => Buffer, string, RegExp]>([
    ['the settings field sent twice (an array instead of a value)', () => multipartBody(B, [{ name: 'groupsMode', body: 'add' }, { name: 'groupsMode', body: 'replace' }, file]), 'invalid_settings', /groupsMode/],
    ['a flag that is neither true nor false', () => multipartBody(B, [{ name: 'dryRun', body: 'yes please' }, file]), 'invalid_settings', /dryRun must be true or false/],
    ['a 2 KB settings value', () => multipartBody(B, [{ name: 'sendInvitations', body: 'true'.padEnd(2048, ' ') }, file]), 'bad_upload', /"file"/],
    ['21 settings fields', () => multipartBody(B, [...Array.from({ length: 21 }, (_, i) => ({ name: `f${i}`, body: 'x' })), file]), 'bad_upload', /"file"/],
    ['two files in the field "file"', () => multipartBody(B, [file, { ...file, filename: 'second.csv' }]), 'bad_upload', /"file"/],
    ['the file in another field than "file"', () => multipartBody(B, [{ ...file, name: 'upload' }]), 'bad_upload', /"file"/],
    ['the file first, then too many fields after it (the stored bytes must go again)', () => multipartBody(B, [file, ...Array.from({ length: 21 }, (_, i) => ({ name: `f${i}`, body: 'x' }))]), 'bad_upload', /"file"/],
  ])('When the upload carries %s, then it is a 400 that says what to send, and nothing is queued or kept', async (_name, body, code, hint) => {
    const response = await postRawUpload(service, `multipart/form-data; boundary=${B}`, body());
    await expectRefusedUpload(service, response, { status: 400, code, hint });
  });

  test('When the body is multipart/mixed instead of multipart/form-data, then it is a 415 that says how to send the file', async () => {
    const response = await postRawUpload(service, `multipart/mixed; boundary=${B}`, multipartBody(B, [file]));
    await expectRefusedUpload(service, response, { status: 415, code: 'not_multipart', hint: /multipart\/form-data/ });
  });
});
