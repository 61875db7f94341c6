import { numberFormatKind, type NumberFormatKind } from '../rules/workbookCellText';
import { localName, partParser } from './workbookXml';

const STYLES_PART = 'xl/styles.xml';

/**
 * xl/styles.xml → what each cell style (`s` of a cell, an index into cellXfs) displays a number
 * as. Only that matters to an import: whether Excel shows a stored number as a date. No styles
 * part means every cell is General.
 */
export async function readCellFormats(xml: AsyncIterable<Buffer> | undefined): Promise<NumberFormatKind[]> {
  if (xml === undefined) return [];
  const codes = new Map<number, string>();
  const styleFormatIds: number[] = [];
  const { parser, write, end } = partParser(`The styles part ${STYLES_PART}`);
  // cellStyleXfs holds xf elements too: those are named styles, not what a cell's `s` points at.
  let inCellXfs = false;
  let inNumFmts = false;
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (name === 'cellXfs') inCellXfs = true;
    else if (name === 'numFmts') inNumFmts = true;
    else if (name === 'xf' && inCellXfs) styleFormatIds.push(formatId(tag.attributes.numFmtId));
    else if (name === 'numFmt' && inNumFmts) {
      const code = tag.attributes.formatCode;
      if (code !== undefined) codes.set(formatId(tag.attributes.numFmtId), code);
    }
  });
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    if (name === 'cellXfs') inCellXfs = false;
    else if (name === 'numFmts') inNumFmts = false;
  });
  for await (const chunk of xml) write(chunk);
  end();
  return styleFormatIds.map((id) => numberFormatKind(id, codes.get(id)));
}

/** A missing or unreadable id is General (0), as Excel reads it. */
function formatId(value: string | undefined): number {
  const id = Number(value ?? 0);
  return Number.isInteger(id) && id >= 0 ? id : 0;
}
