import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import {
  MACRO_WORKBOOK_MAIN,
  USER_HEADER,
  ZIP_BOMB_SHEET_END,
  ZIP_BOMB_SHEET_START,
  ZIP_BOMB_SIZE,
  compoundFile,
  emptyWorkbook,
  encryptedWorkbook,
  headerOnlyWorkbook,
  legacyXlsWorkbook,
  macroWorkbook,
  notAWorkbookZip,
  truncatedWorkbook,
  userWorkbook,
  workbookWithTypedCells,
  zipBomb,
} from '../support/workbookFiles';
import { readZipEntries } from '../support/zipWriter';

const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

async function loadWorkbook(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  // exceljs declares its own Buffer type (an ArrayBuffer), which Node's Buffer does not match.
  await workbook.xlsx.load(buffer as unknown as Parameters<typeof workbook.xlsx.load>[0]);
  return workbook;
}

async function sheetXml(buffer: Buffer): Promise<string> {
  return (await readZipEntries(buffer)).get('xl/worksheets/sheet1.xml')!.toString();
}

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: false }, (error, zip) => (error ? reject(error) : resolve(zip))),
  );
}

async function zipDirectory(buffer: Buffer): Promise<{ zip: yauzl.ZipFile; entries: yauzl.Entry[] }> {
  const zip = await openZip(buffer);
  const entries: yauzl.Entry[] = [];
  zip.on('entry', (entry: yauzl.Entry) => entries.push(entry));
  await new Promise<void>((resolve, reject) => zip.once('end', resolve).once('error', reject));
  return { zip, entries };
}

/**
 * The streams of a compound file as a reader that walks the directory tree finds them (unlike
 * the product's reader, which scans every entry), each with the bytes its FAT chain holds.
 */
function compoundStreams(buffer: Buffer): Map<string, Buffer> {
  const sector = (index: number) => buffer.subarray((index + 1) * 512, (index + 2) * 512);
  const fat = sector(buffer.readUInt32LE(0x4c));
  const directory = sector(buffer.readUInt32LE(0x30));
  const streams = new Map<string, Buffer>();
  const inOrder: string[] = [];
  const visit = (id: number) => {
    if (id === 0xffffffff) return;
    const at = id * 128;
    const name = directory.subarray(at, at + directory.readUInt16LE(at + 0x40) - 2).toString('utf16le');
    const chain: Buffer[] = [];
    for (let next = directory.readUInt32LE(at + 0x74); next < 0xfffffffe; next = fat.readUInt32LE(next * 4)) chain.push(sector(next));
    streams.set(name, Buffer.concat(chain).subarray(0, directory.readUInt32LE(at + 0x78)));
    visit(directory.readUInt32LE(at + 0x44));
    inOrder.push(name);
    visit(directory.readUInt32LE(at + 0x48));
  };
  expect(directory.readUInt8(0x42)).toBe(5); // the root entry
  visit(directory.readUInt32LE(0x4c));
  // Readers that look a name up search the tree: it must be ordered by length, then upper-cased name.
  const cfbOrder = (a: string, b: string) => a.length - b.length || (a.toUpperCase() < b.toUpperCase() ? -1 : 1);
  expect(inOrder).toEqual([...inOrder].sort(cfbOrder));
  return streams;
}

describe('userWorkbook', () => {
  it('saves the rows as a spreadsheet app does: shared strings, numbers only where asked, no empty cells', async () => {
    const buffer = await userWorkbook(
      [USER_HEADER, ['ada', 'ada@example.com', 'Ada', '', '000123'], ['bob', 'bob@example.com', 'Bob', 'Smith', 'B-7']],
      { sheetName: 'People', numberColumns: [4], extraSheets: [{ name: 'Notes', rows: [['note', 42]] }] },
    );
    const files = await readZipEntries(buffer);
    expect(files.has('xl/sharedStrings.xml')).toBe(true);
    expect(files.get('xl/worksheets/sheet1.xml')!.toString()).toContain('t="s"');

    const workbook = await loadWorkbook(buffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['People', 'Notes']);
    const sheet = workbook.worksheets[0];
    expect(sheet.getRow(1).values).toEqual([undefined, ...USER_HEADER]);
    expect(sheet.getCell('E2').value).toBe(123);
    expect(sheet.getCell('D2').type).toBe(ExcelJS.ValueType.Null);
    expect(sheet.getCell('E3').value).toBe('B-7');
    expect(workbook.worksheets[1].getCell('B1').value).toBe(42);
  });

  it('keeps plain numbers as text outside numberColumns', async () => {
    const workbook = await loadWorkbook(await userWorkbook([USER_HEADER, ['ada', 'a@example.com', 'Ada', 'L', '000123']]));
    expect(workbook.worksheets[0].getCell('E2').value).toBe('000123');
  });
});

describe('workbookWithTypedCells', () => {
  it('holds the External IDs as typed cells, and expects their display text', async () => {
    const { buffer, expected } = await workbookWithTypedCells();
    const sheet = (await loadWorkbook(buffer)).worksheets[0];
    expect(sheet.getRow(1).values).toEqual([undefined, ...USER_HEADER]);
    const ids = [2, 3, 4, 5, 6].map((row) => sheet.getCell(row, 5));
    expect(ids.map((cell) => cell.value)).toEqual([123, 1234567890123456800, new Date(Date.UTC(2024, 0, 5)), 12.5, true]);
    expect(ids[2].numFmt).toBe('yyyy-mm-dd');
    expect(expected).toEqual([
      [sheet.getCell('A2').value, '123'],
      [sheet.getCell('A3').value, '1234567890123460000'],
      [sheet.getCell('A4').value, '2024-01-05'],
      [sheet.getCell('A5').value, '12.5'],
      [sheet.getCell('A6').value, 'TRUE'],
    ]);
    // The date is stored as Excel stores it: a serial number, not a string.
    expect(await sheetXml(buffer)).toMatch(/<c r="E4" s="\d+"><v>45296<\/v><\/c>/);
  });
});

describe('emptyWorkbook and headerOnlyWorkbook', () => {
  it('has one sheet and no cells', async () => {
    const workbook = await loadWorkbook(await emptyWorkbook());
    expect(workbook.worksheets).toHaveLength(1);
    expect(workbook.worksheets[0].actualRowCount).toBe(0);
    expect(await sheetXml(await emptyWorkbook())).not.toContain('<c ');
  });

  it('has only the header row', async () => {
    const sheet = (await loadWorkbook(await headerOnlyWorkbook(['Username', 'Email']))).worksheets[0];
    expect(sheet.actualRowCount).toBe(1);
    expect(sheet.getRow(1).values).toEqual([undefined, 'Username', 'Email']);
  });
});

describe('macroWorkbook', () => {
  it('is a workbook whose package names the macro-enabled type and holds a VBA project', async () => {
    const buffer = await macroWorkbook();
    const parts = await readZipEntries(buffer);
    expect(parts.get('[Content_Types].xml')!.toString()).toContain(
      `<Override PartName="/xl/workbook.xml" ContentType="${MACRO_WORKBOOK_MAIN}"/>`,
    );
    expect(parts.get('xl/_rels/workbook.xml.rels')!.toString()).toContain('Target="vbaProject.bin"');
    expect(parts.get('xl/vbaProject.bin')!.subarray(0, 8)).toEqual(OLE_MAGIC);
    expect([...compoundStreams(parts.get('xl/vbaProject.bin')!).keys()]).toEqual(['PROJECT']);
    expect((await loadWorkbook(buffer)).worksheets[0].getCell('A2').value).toBe('ada');
  });
});

describe('compound files', () => {
  it('encryptedWorkbook holds EncryptionInfo and EncryptedPackage', () => {
    const buffer = encryptedWorkbook();
    expect(buffer.subarray(0, 8)).toEqual(OLE_MAGIC);
    const streams = compoundStreams(buffer);
    expect([...streams.keys()].sort()).toEqual(['EncryptedPackage', 'EncryptionInfo']);
    expect(streams.get('EncryptionInfo')!.subarray(0, 4)).toEqual(Buffer.from([4, 0, 4, 0]));
  });

  it('legacyXlsWorkbook holds a Workbook stream starting with a BIFF8 BOF record', () => {
    const buffer = legacyXlsWorkbook();
    expect(buffer.subarray(0, 8)).toEqual(OLE_MAGIC);
    const streams = compoundStreams(buffer);
    expect([...streams.keys()]).toEqual(['Workbook']);
    expect(streams.get('Workbook')!.readUInt16LE(0)).toBe(0x0809);
  });

  it('keeps every stream reachable in the directory tree and each chain apart', () => {
    const streams = compoundStreams(
      compoundFile([
        { name: 'Ccc', data: Buffer.alloc(10, 3) },
        { name: 'A', data: Buffer.alloc(5000, 1) },
        { name: 'Bb', data: Buffer.alloc(10, 2) },
      ]),
    );
    expect([...streams.keys()].sort()).toEqual(['A', 'Bb', 'Ccc']);
    expect(streams.get('A')!.subarray(0, 5000)).toEqual(Buffer.alloc(5000, 1));
    expect(streams.get('Bb')![0]).toBe(2);
    expect(streams.get('Ccc')![0]).toBe(3);
  });
});

describe('notAWorkbookZip', () => {
  it('is an OpenDocument spreadsheet: mimetype first and stored, content.xml, no workbook part', async () => {
    const { zip, entries } = await zipDirectory(notAWorkbookZip());
    zip.close();
    expect(entries[0].fileName).toBe('mimetype');
    expect(entries[0].compressionMethod).toBe(0);
    expect(entries.map((entry) => entry.fileName)).toContain('content.xml');
    expect(entries.map((entry) => entry.fileName)).not.toContain('xl/workbook.xml');
    expect((await readZipEntries(notAWorkbookZip())).get('mimetype')!.toString()).toBe('application/vnd.oasis.opendocument.spreadsheet');
  });
});

describe('truncatedWorkbook', () => {
  it('is the first half of a workbook: a zip without its directory', async () => {
    const buffer = await truncatedWorkbook();
    expect(buffer.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    await expect(openZip(buffer)).rejects.toThrow(/end of central directory/i);
    await expect(loadWorkbook(buffer)).rejects.toThrow();
  });
});

describe('zipBomb', () => {
  const SHEET = 'xl/worksheets/sheet1.xml';
  const PARTS = ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', SHEET];

  it('declared honestly: says 2 GiB and really inflates to 2 GiB of well-formed sheet', async () => {
    const buffer = await zipBomb({ declaredHonestly: true });
    expect(buffer.length).toBeLessThan(3_000_000);
    const { zip, entries } = await zipDirectory(buffer);
    expect(entries.map((entry) => entry.fileName)).toEqual(PARTS);
    const sheet = entries[4];
    expect(sheet.uncompressedSize).toBe(ZIP_BOMB_SIZE);
    expect(buffer.readUInt32LE(sheet.relativeOffsetOfLocalHeader + 22)).toBe(ZIP_BOMB_SIZE);

    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(sheet, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
    let size = 0;
    let crc = 0;
    let head = '';
    let tail: Buffer = Buffer.alloc(0);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (head.length < ZIP_BOMB_SHEET_START.length) head += chunk.subarray(0, ZIP_BOMB_SHEET_START.length + 4).toString();
      size += chunk.length;
      crc = zlib.crc32(chunk, crc);
      tail = chunk;
    }
    zip.close();
    expect(size).toBe(ZIP_BOMB_SIZE);
    expect(crc).toBe(sheet.crc32);
    expect(head.startsWith(ZIP_BOMB_SHEET_START + 'AAAA')).toBe(true);
    expect(tail.subarray(-ZIP_BOMB_SHEET_END.length - 4).toString()).toBe('AAAA' + ZIP_BOMB_SHEET_END);
  }, 120_000);

  it('declared dishonestly: claims 1,000 bytes in both headers, and a checking reader stops', async () => {
    const honest = await zipBomb({ declaredHonestly: true });
    const buffer = await zipBomb({ declaredHonestly: false });
    expect(buffer.length).toBe(honest.length);
    const { zip, entries } = await zipDirectory(buffer);
    expect(entries.map((entry) => entry.fileName)).toEqual(PARTS);
    const sheet = entries[4];
    expect(sheet.uncompressedSize).toBe(1000);
    expect(buffer.readUInt32LE(sheet.relativeOffsetOfLocalHeader + 22)).toBe(1000);
    expect(sheet.compressedSize).toBeGreaterThan(1_000_000);

    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(sheet, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
    await expect(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
    ).rejects.toThrow(/too many bytes/);
    zip.close();
  }, 120_000);
});
