import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { readZipEntries, zipArchive, zipFromRawEntries } from './zipWriter';

/**
 * Workbook files for tests to upload: the normal ones saved as a spreadsheet app saves them
 * (exceljs, shared strings), and the ones a reader must refuse, built byte by byte.
 */

export interface UserWorkbookOptions {
  sheetName?: string;
  extraSheets?: { name: string; rows: unknown[][] }[];
  /** Columns whose plain-number texts are saved as numbers, as a spreadsheet app does with what is typed there. */
  numberColumns?: number[];
}

const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export async function userWorkbook(rows: string[][], options: UserWorkbookOptions = {}): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(options.sheetName ?? 'Users');
  const numberColumns = new Set(options.numberColumns ?? []);
  rows.forEach((row, rowIndex) => {
    const values = row.map((text, column) => {
      // A spreadsheet app saves no cell for an empty one.
      if (text === '') return null;
      return rowIndex > 0 && numberColumns.has(column) && PLAIN_NUMBER.test(text) ? Number(text) : text;
    });
    sheet.addRow(values);
  });
  for (const extra of options.extraSheets ?? []) workbook.addWorksheet(extra.name).addRows(extra.rows);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const USER_HEADER = ['Username', 'Email', 'First Name', 'Last Name', 'External ID'];

/**
 * External IDs as Excel keeps what was typed: 000123 becomes 123, a 19-digit ID a double, a
 * date a serial number with a date format. `expected` is the text a reader should make of each.
 */
export async function workbookWithTypedCells(): Promise<{ buffer: Buffer; expected: [string, string][] }> {
  const cases: [string, ExcelJS.CellValue, string][] = [
    ['typed.number', 123, '123'],
    // Excel shows a number with 15 significant digits: the 19-digit ID typed as a number is already lost.
    ['typed.large', 1234567890123456789, '1234567890123460000'],
    ['typed.date', new Date(Date.UTC(2024, 0, 5)), '2024-01-05'],
    ['typed.decimal', 12.5, '12.5'],
    ['typed.boolean', true, 'TRUE'],
  ];
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Users');
  sheet.addRow(USER_HEADER);
  for (const [username, externalId] of cases) {
    const row = sheet.addRow([username, `${username}@example.com`, 'Typed', 'Cell', externalId]);
    if (externalId instanceof Date) row.getCell(5).numFmt = 'yyyy-mm-dd';
  }
  return {
    buffer: Buffer.from(await workbook.xlsx.writeBuffer()),
    expected: cases.map(([username, , text]) => [username, text]),
  };
}

export function emptyWorkbook(): Promise<Buffer> {
  return userWorkbook([]);
}

export function headerOnlyWorkbook(header: string[]): Promise<Buffer> {
  return userWorkbook([header]);
}

/** The first half of a normal workbook's bytes: its zip directory, at the end, is gone. */
export async function truncatedWorkbook(): Promise<Buffer> {
  const whole = await userWorkbook([USER_HEADER, ['ada', 'ada@example.com', 'Ada', 'Lovelace', 'E1']]);
  return whole.subarray(0, Math.floor(whole.length / 2));
}

const WORKBOOK_MAIN = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml';
export const MACRO_WORKBOOK_MAIN = 'application/vnd.ms-excel.sheet.macroEnabled.main+xml';

/** A normal workbook saved as .xlsm: the macro content type, and a VBA project part with its relationship. */
export async function macroWorkbook(): Promise<Buffer> {
  const files = await readZipEntries(await userWorkbook([USER_HEADER, ['ada', 'ada@example.com', 'Ada', 'Lovelace', 'E1']]));
  const contentTypes = files.get('[Content_Types].xml')!.toString('utf8');
  if (!contentTypes.includes(WORKBOOK_MAIN)) throw new Error('exceljs no longer names the workbook part as expected');
  files.set(
    '[Content_Types].xml',
    Buffer.from(
      contentTypes
        .replace(WORKBOOK_MAIN, MACRO_WORKBOOK_MAIN)
        .replace('</Types>', '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'),
    ),
  );
  const relationships = files.get('xl/_rels/workbook.xml.rels')!.toString('utf8');
  files.set(
    'xl/_rels/workbook.xml.rels',
    Buffer.from(
      relationships.replace(
        '</Relationships>',
        '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
      ),
    ),
  );
  files.set('xl/vbaProject.bin', compoundFile([{ name: 'PROJECT', data: Buffer.from('ID="{00000000-0000-0000-0000-000000000000}"\r\n') }]));
  return zipArchive(files);
}

/** An .xlsx Excel encrypted with a password (MS-OFFCRYPTO): a compound file, not a zip. */
export function encryptedWorkbook(): Buffer {
  // Version 4.4 with the agile flag, as Excel 2010 and later write; the rest does not matter here.
  const info = Buffer.from([0x04, 0x00, 0x04, 0x00, 0x40, 0x00, 0x00, 0x00]);
  return compoundFile([
    { name: 'EncryptionInfo', data: info },
    { name: 'EncryptedPackage', data: Buffer.alloc(8) },
  ]);
}

/** An .xls (BIFF8) workbook: a compound file whose `Workbook` stream starts with a BOF record. */
export function legacyXlsWorkbook(): Buffer {
  const bof = Buffer.from([0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00, 0xbb, 0x0d, 0xcc, 0x07, 0, 0, 0, 0, 0x06, 0x04, 0, 0]);
  return compoundFile([{ name: 'Workbook', data: bof }]);
}

/** An OpenDocument spreadsheet (.ods): a zip, but no xl/workbook.xml. */
export function notAWorkbookZip(): Buffer {
  return zipArchive(
    [
      ['mimetype', 'application/vnd.oasis.opendocument.spreadsheet'],
      [
        'META-INF/manifest.xml',
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
      ],
      [
        'content.xml',
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Users"><table:table-row><table:table-cell office:value-type="string"><text:p>Username</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>',
      ],
    ],
    // ODF readers find the type in the first bytes only when mimetype comes first and is stored.
    ['mimetype'],
  );
}

export const ZIP_BOMB_SIZE = 2 ** 31;
const BOMB_BLOCK = 1024 * 1024;
export const ZIP_BOMB_SHEET_START =
  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>';
export const ZIP_BOMB_SHEET_END = '</t></is></c></row></sheetData></worksheet>';

/**
 * A workbook whose sheet inflates to 2 GiB of well-formed XML (one cell of 'A's), about 2 MB
 * stored. Its sizes either tell the truth or claim 1,000 bytes, so a reader is tested both on
 * refusing what it can see coming and on stopping what lied about its size.
 */
export async function zipBomb({ declaredHonestly }: { declaredHonestly: boolean }): Promise<Buffer> {
  const sheet = await bombSheet();
  const small = (name: string, text: string) => {
    const data = Buffer.from(text);
    return { name, method: 'deflated' as const, storedData: zlib.deflateRawSync(data), crc32: zlib.crc32(data), declaredSize: data.length };
  };
  return zipFromRawEntries([
    small(
      '[Content_Types].xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="${WORKBOOK_MAIN}"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    ),
    small(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    ),
    small(
      'xl/workbook.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Users" sheetId="1" r:id="rId1"/></sheets></workbook>',
    ),
    small(
      'xl/_rels/workbook.xml.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    ),
    {
      name: 'xl/worksheets/sheet1.xml',
      method: 'deflated',
      storedData: sheet.deflated,
      crc32: sheet.crc32,
      declaredSize: declaredHonestly ? ZIP_BOMB_SIZE : 1000,
    },
  ]);
}

// Deflating 2 GiB takes seconds: built once per test file, shared by both variants.
let bombSheetBuilt: Promise<{ deflated: Buffer; crc32: number }> | undefined;

function bombSheet(): Promise<{ deflated: Buffer; crc32: number }> {
  bombSheetBuilt ??= (async () => {
    const middle = Buffer.alloc(BOMB_BLOCK, 'A');
    const first = Buffer.from(middle);
    first.write(ZIP_BOMB_SHEET_START);
    const last = Buffer.from(middle);
    last.write(ZIP_BOMB_SHEET_END, BOMB_BLOCK - ZIP_BOMB_SHEET_END.length);
    const blocks = ZIP_BOMB_SIZE / BOMB_BLOCK;

    const deflate = zlib.createDeflateRaw({ level: 9 });
    const chunks: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve, reject) => deflate.once('end', resolve).once('error', reject));
    let crc32 = 0;
    for (let index = 0; index < blocks; index += 1) {
      const block = index === 0 ? first : index === blocks - 1 ? last : middle;
      crc32 = zlib.crc32(block, crc32);
      if (!deflate.write(block)) await new Promise((resolve) => deflate.once('drain', resolve));
    }
    deflate.end();
    await ended;
    return { deflated: Buffer.concat(chunks), crc32 };
  })();
  return bombSheetBuilt;
}

/**
 * An OLE compound file (MS-CFB, version 3, 512-byte sectors) holding the given streams, laid out
 * as header, one FAT sector, one directory sector, then the streams. Each stream is padded to
 * 4,096 bytes: a smaller one would belong in the mini stream, which this writer does not build.
 */
export function compoundFile(streams: { name: string; data: Buffer }[]): Buffer {
  const SECTOR = 512;
  const FREE = 0xffffffff;
  const END_OF_CHAIN = 0xfffffffe;
  const FAT_SECTOR = 0xfffffffd;
  if (streams.length > 3) throw new Error('one directory sector holds the root and three streams');

  const padded = streams.map(({ name, data }) => {
    const size = Math.ceil(Math.max(data.length, 4096) / SECTOR) * SECTOR;
    const bytes = Buffer.alloc(size);
    data.copy(bytes);
    return { name, bytes };
  });
  const fat: number[] = [FAT_SECTOR, END_OF_CHAIN];
  const starts = padded.map(({ bytes }) => {
    const start = fat.length;
    const count = bytes.length / SECTOR;
    for (let index = 1; index < count; index += 1) fat.push(start + index);
    fat.push(END_OF_CHAIN);
    return start;
  });
  if (fat.length > SECTOR / 4) throw new Error('streams too large for one FAT sector');

  const header = Buffer.alloc(SECTOR);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x003e, 0x18); // minor version
  header.writeUInt16LE(0x0003, 0x1a); // major version 3: 512-byte sectors
  header.writeUInt16LE(0xfffe, 0x1c); // byte order: little-endian
  header.writeUInt16LE(9, 0x1e); // sector size 2^9
  header.writeUInt16LE(6, 0x20); // mini sector size 2^6
  header.writeUInt32LE(1, 0x2c); // FAT sectors
  header.writeUInt32LE(1, 0x30); // first directory sector
  header.writeUInt32LE(4096, 0x38); // mini stream cutoff
  header.writeUInt32LE(END_OF_CHAIN, 0x3c); // no mini FAT
  header.writeUInt32LE(END_OF_CHAIN, 0x44); // no DIFAT sectors
  for (let index = 0; index < 109; index += 1) header.writeUInt32LE(index === 0 ? 0 : FREE, 0x4c + index * 4);

  const fatSector = Buffer.alloc(SECTOR, 0xff);
  fat.forEach((next, index) => fatSector.writeUInt32LE(next, index * 4));

  // The directory is a red-black tree ordered by name length, then by upper-cased name:
  // a balanced tree whose deepest nodes are red satisfies it.
  const order = padded
    .map((_stream, index) => index)
    .sort((a, b) => padded[a].name.length - padded[b].name.length || (padded[a].name.toUpperCase() < padded[b].name.toUpperCase() ? -1 : 1));
  const links = new Map<number, { left: number; right: number; depth: number }>();
  const place = (from: number, to: number, depth: number): number => {
    if (from > to) return FREE;
    const middle = Math.floor((from + to) / 2);
    links.set(order[middle], { left: place(from, middle - 1, depth + 1), right: place(middle + 1, to, depth + 1), depth });
    return order[middle] + 1; // entry 0 is the root entry
  };
  const top = place(0, order.length - 1, 0);
  const deepest = Math.max(0, ...[...links.values()].map(({ depth }) => depth));

  const directory = Buffer.alloc(SECTOR);
  const entry = (slot: number, name: string, type: number, red: boolean, left: number, right: number, child: number, start: number, size: number) => {
    const at = slot * 128;
    directory.write(`${name}\0`, at, 'utf16le');
    directory.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    directory.writeUInt8(type, at + 0x42);
    directory.writeUInt8(red ? 0 : 1, at + 0x43);
    directory.writeUInt32LE(left, at + 0x44);
    directory.writeUInt32LE(right, at + 0x48);
    directory.writeUInt32LE(child, at + 0x4c);
    directory.writeUInt32LE(start, at + 0x74);
    directory.writeUInt32LE(size, at + 0x78);
  };
  entry(0, 'Root Entry', 5, false, FREE, FREE, top, END_OF_CHAIN, 0);
  padded.forEach(({ name, bytes }, index) => {
    const { left, right, depth } = links.get(index)!;
    entry(index + 1, name, 2, depth > 0 && depth === deepest, left, right, FREE, starts[index], bytes.length);
  });
  for (let slot = padded.length + 1; slot < 4; slot += 1) {
    for (const field of [0x44, 0x48, 0x4c]) directory.writeUInt32LE(FREE, slot * 128 + field);
  }

  return Buffer.concat([header, fatSector, directory, ...padded.map(({ bytes }) => bytes)]);
}
