import { readCellFormats } from './workbookStyles';
import { WorkbookReadError } from './workbookReadError';

async function* chunks(text: string, size = Infinity): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
}

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
  <numFmts count="3">
    <numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>
    <numFmt numFmtId="165" formatCode="&quot;day&quot;0"/>
    <numFmt numFmtId="166" formatCode="[h]:mm"/>
  </numFmts>
  <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
  <cellXfs count="7">
    <xf numFmtId="0" fontId="0"/>
    <xf numFmtId="14" applyNumberFormat="1"/>
    <xf numFmtId="164" applyNumberFormat="1"/>
    <xf numFmtId="165"/>
    <xf numFmtId="49"/>
    <xf numFmtId="166"><alignment wrapText="1"/></xf>
    <xf/>
  </cellXfs>
</styleSheet>`;

describe('which cell styles show numbers as dates', () => {
  test.each([
    ['whole', Infinity],
    ['1-byte chunks', 1],
    ['7-byte chunks', 7],
  ])('the styles part read in %s gives each cell style its kind, named styles (cellStyleXfs) left out', async (_how, size) => {
    expect(await readCellFormats(chunks(STYLES, size))).toEqual(['general', 'date', 'date', 'general', 'text', 'date', 'general']);
  });

  test('a workbook without a styles part shows every number as General', async () => {
    expect(await readCellFormats(undefined)).toEqual([]);
  });

  test('a styles part with a prefixed namespace (x:) reads the same', async () => {
    const prefixed = '<x:styleSheet xmlns:x="urn:x"><x:cellXfs><x:xf numFmtId="22"/></x:cellXfs></x:styleSheet>';
    expect(await readCellFormats(chunks(prefixed))).toEqual(['date']);
  });

  test('a damaged styles part is refused, naming the part', async () => {
    const read = readCellFormats(chunks('<styleSheet><cellXfs><xf numFmtId="14"></cellXfs></styleSheet>'));
    await expect(read).rejects.toBeInstanceOf(WorkbookReadError);
    await expect(readCellFormats(chunks('<styleSheet><cellXfs>'))).rejects.toThrow(/The styles part xl\/styles.xml of this workbook is damaged: .*Open it in Excel, save it again, and upload that file\./);
  });

  test('a styles part with a DOCTYPE is refused', async () => {
    const withDoctype = '<!DOCTYPE s [<!ENTITY a "aaaa">]><styleSheet><cellXfs><xf numFmtId="&a;"/></cellXfs></styleSheet>';
    await expect(readCellFormats(chunks(withDoctype))).rejects.toThrow(/DOCTYPE/);
  });
});
