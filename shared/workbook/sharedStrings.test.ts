import { SharedStrings } from './sharedStrings';
import { WorkbookReadError } from './workbookReadError';

/*
 * Memory for 1,000,000 strings of 22 characters (node --expose-gc, after gc, Node 20; not asserted):
 *   - stored as SharedStrings does (one UTF-8 Buffer + Uint32Array of ends): 0.5 MB heap and
 *     37.7 MB outside it (32 MB buffer, grown by doubling, for 22 MB of text; 4 MB of ends);
 *   - as a JS array of the strings the parser hands over: 80.6 MB heap;
 *   - as a JS array of fresh copies of them: 50.7 MB heap.
 * The worker runs with --max-old-space-size=96: the array alone would take most of it.
 */

async function* chunks(text: string, size = Infinity): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
}

const table = (items: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${items.length}">${items.join('')}</sst>`;

async function loadAll(xml: string, count: number, size = Infinity): Promise<string[]> {
  const strings = new SharedStrings(chunks(xml, size));
  await strings.loadThrough(count - 1);
  const texts = Array.from({ length: count }, (_, index) => strings.at(index));
  await strings.close();
  return texts;
}

describe('the shared strings of a workbook', () => {
  const items: [string, string, string][] = [
    ['a plain string reads as its text', '<si><t>Ada Lovelace</t></si>', 'Ada Lovelace'],
    ['rich text runs read as one text', '<si><r><rPr><b/></rPr><t>Ad</t></r><r><t>a</t></r></si>', 'Ada'],
    ['a phonetic guide (rPh) is not part of the text', '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>', '東京'],
    ['spaces kept with xml:space="preserve" stay', '<si><t xml:space="preserve">  two  </t></si>', '  two  '],
    ['entities read as their characters', '<si><t>Smith &amp; Sons &lt;HQ&gt; &#x41;&#66;</t></si>', 'Smith & Sons <HQ> AB'],
    ['an empty string item reads as empty', '<si><t/></si>', ''],
    ['a carriage return Excel escaped as _x000D_ reads as one', '<si><t>a_x000D_b</t></si>', 'a\rb'],
    ['an escaped underscore keeps the literal text _x0041_', '<si><t>_x005F_x0041_</t></si>', '_x0041_'],
    ['characters outside the BMP survive being split between chunks', '<si><t>José 😀 Müller</t></si>', 'José 😀 Müller'],
    ['a CDATA section reads as its text', '<si><t><![CDATA[a<b]]></t></si>', 'a<b'],
  ];

  test.each([
    ['whole', Infinity],
    ['1-byte chunks', 1],
    ['7-byte chunks', 7],
  ])('read in %s, each string reads as Excel shows it', async (_how, size) => {
    expect(await loadAll(table(items.map(([, xml]) => xml)), items.length, size)).toEqual(items.map(([, , text]) => text));
  });

  test.each(items)('%s', async (_behaviour, xml, text) => {
    expect(await loadAll(table([xml]), 1)).toEqual([text]);
  });

  test('only as much of the part is read as the strings asked for, and close lets go of the file', async () => {
    let chunksRead = 0;
    let returned = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        yield Buffer.from('<sst>');
        for (let i = 0; i < 1000; i += 1) {
          chunksRead += 1;
          yield Buffer.from(`<si><t>user ${i}</t></si>`);
        }
        yield Buffer.from('</sst>');
      } finally {
        returned = true;
      }
    }
    const strings = new SharedStrings(source());
    await strings.loadThrough(2);
    expect([strings.at(0), strings.at(2)]).toEqual(['user 0', 'user 2']);
    expect(chunksRead).toBeLessThan(10);
    await strings.close();
    expect(returned).toBe(true);
  });

  test('a string past the end of the table is refused as a damaged workbook', async () => {
    const strings = new SharedStrings(chunks(table(['<si><t>a</t></si>', '<si><t>b</t></si>'])));
    const read = strings.loadThrough(5);
    await expect(read).rejects.toBeInstanceOf(WorkbookReadError);
    await expect(read).rejects.toThrow('The workbook refers to shared string 5, which it does not have');
  });

  test('a table holding more text than the limit is refused as too big, not held in memory', async () => {
    const items = Array.from({ length: 100 }, (_, index) => `<si><t>${String(index).padStart(1000, 'x')}</t></si>`);
    const strings = new SharedStrings(chunks(table(items), 4096), 50_000);
    const read = strings.loadThrough(99);
    await expect(read).rejects.toBeInstanceOf(WorkbookReadError);
    await expect(read).rejects.toThrow(/hold more than 0 MB of text, far more than a workbook of users: save its users' sheet as "CSV UTF-8/);
    const within = new SharedStrings(chunks(table(items.slice(0, 40)), 4096), 50_000);
    await within.loadThrough(39);
    expect(within.at(39)).toHaveLength(1000);
  });

  test('a string not loaded yet is a mistake of the caller, not text', async () => {
    const strings = new SharedStrings(chunks(table(['<si><t>a</t></si>'])));
    expect(() => strings.at(0)).toThrow(RangeError);
  });

  test('a damaged table is refused, naming the part', async () => {
    const strings = new SharedStrings(chunks('<sst><si><t>a</si></sst>'));
    await expect(strings.loadThrough(0)).rejects.toThrow(/The shared strings part xl\/sharedStrings.xml of this workbook is damaged: line 1, column \d+: .*Open it in Excel/);
  });

  test('a table with a DOCTYPE is refused before any entity is declared', async () => {
    const strings = new SharedStrings(chunks('<!DOCTYPE sst [<!ENTITY lol "lol">]><sst><si><t>&lol;</t></si></sst>'));
    await expect(strings.loadThrough(0)).rejects.toThrow(/DOCTYPE/);
  });

  test('many strings of many sizes read back exactly, across the stores growing', async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `${'é'.repeat(i % 50)}${i}`);
    expect(await loadAll(table(texts.map((text) => `<si><t>${text}</t></si>`)), texts.length, 4096)).toEqual(texts);
  });
});
