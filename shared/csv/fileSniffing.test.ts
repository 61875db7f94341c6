import iconv from 'iconv-lite';
import { containerOf, sniffCsvHead } from './fileSniffing';

const sniff = (bytes: Buffer, complete = true) => sniffCsvHead(bytes, { complete });

describe('recognising what was uploaded from its first bytes', () => {
  test('a UTF-8 file with a BOM is UTF-8 and the BOM is not part of the text', () => {
    const result = sniff(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Email,First Name\nzoë@example.com,Zoë\n')]));
    expect(result).toEqual({ ok: true, encoding: 'utf8', text: 'Email,First Name\nzoë@example.com,Zoë\n' });
  });

  test('a UTF-8 file without a BOM is UTF-8', () => {
    expect(sniff(Buffer.from('Email\r\nrené@example.com\r\n'))).toMatchObject({ ok: true, encoding: 'utf8' });
  });

  test('a Windows-1252 file from an older Excel is read with its accents', () => {
    const result = sniff(iconv.encode('Email;First Name\nrene@example.com;René\n', 'windows-1252'));
    expect(result).toEqual({ ok: true, encoding: 'windows-1252', text: 'Email;First Name\nrene@example.com;René\n' });
  });

  test('a stray control character in a row is text: its row fails, as it would further down', () => {
    expect(sniff(Buffer.from('Email,First Name\nbell@example.com,Be\u0007ll\n'))).toMatchObject({ ok: true, encoding: 'utf8' });
  });

  test('a head cut in the middle of a UTF-8 character is still UTF-8', () => {
    const bytes = Buffer.from('Email\nzoë');
    expect(sniff(bytes.subarray(0, bytes.length - 1), false)).toMatchObject({ ok: true, encoding: 'utf8' });
  });

  test.each([
    ['an empty file', Buffer.alloc(0), 'empty'],
    ['a file of blank lines', Buffer.from('\r\n\r\n  \n'), 'empty'],
    ['a BOM and nothing else', Buffer.from([0xef, 0xbb, 0xbf]), 'empty'],
    ['a UTF-16 text export', Buffer.from([0xff, 0xfe, 0x45, 0x00]), 'binary'],
    ['a file with NUL bytes', Buffer.from([0x45, 0x6d, 0x00, 0x61]), 'binary'],
    // A PNG's signature is followed by its IHDR chunk, whose length starts with NUL bytes.
    ['a PNG image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]), 'binary'],
  ])('%s is refused as %s with a message that says what to do', (_name, bytes, reason) => {
    const result = sniff(bytes);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok && reason !== 'empty') expect(result.message).toContain('Save As');
  });
});

describe('which door check an upload goes to', () => {
  test.each([
    ['an .xlsx workbook (a zip)', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), 'zip'],
    ['an old .xls workbook, or an encrypted .xlsx (an OLE compound file)', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00]), 'compound_file'],
    ['a CSV file', Buffer.from('Email,Username\n'), 'other'],
    ['a CSV whose first cell starts with PK', Buffer.from('PK,Username\n'), 'other'],
    ['the first four bytes of a compound file only', Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), 'other'],
  ])('%s goes to the %s check', (_name, head, container) => {
    expect(containerOf(head)).toBe(container);
  });
});
