import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { WorkbookReadError, damagedPart } from './workbookReadError';

/** An Excel cell holds at most 32,767 characters (4 bytes each at most in UTF-8): a longer text run is no cell. */
const MAX_TEXT_RUN_BYTES = 1024 * 1024;

export interface PartParser {
  readonly parser: SaxesParser;
  /** Feeds bytes; a character split between two chunks is carried over, not mangled. */
  write(chunk: Buffer): void;
  /** Ends the part: a part cut off before its last closing tag is damaged. */
  end(): void;
}

/**
 * One XML part of a workbook, parsed as it streams. Any DOCTYPE is refused: a workbook never
 * has one, and an internal subset is how entity-expansion attacks ("billion laughs") start.
 * Every failure of the part, the parser's or a handler's, becomes one WorkbookReadError.
 */
export function partParser(what: string): PartParser {
  const parser = new SaxesParser({ position: true });
  const decoder = new StringDecoder('utf8');
  parser.on('doctype', () => {
    throw damagedPart(what, 'it declares a DOCTYPE, which no workbook has.');
  });
  const guarded = (feed: () => void) => {
    try {
      feed();
    } catch (error) {
      if (error instanceof WorkbookReadError) throw error;
      const detail = error instanceof Error ? error.message.replace(/^\d+:\d+: /, '') : String(error);
      throw damagedPart(what, `line ${parser.line}, column ${parser.column}: ${detail}`);
    }
  };
  let sinceTag = 0;
  const checkTextRun = (chunk: Buffer) => {
    const lastTag = chunk.lastIndexOf(0x3c);
    sinceTag = lastTag === -1 ? sinceTag + chunk.length : chunk.length - lastTag - 1;
    // The parser holds a text until its closing tag: without this, one endless cell is read whole.
    if (sinceTag > MAX_TEXT_RUN_BYTES) throw damagedPart(what, `it holds a text of more than ${MAX_TEXT_RUN_BYTES / 2 ** 20} MB between two tags, and an Excel cell holds at most 32,767 characters.`);
  };
  return {
    parser,
    write: (chunk) => {
      checkTextRun(chunk);
      guarded(() => parser.write(decoder.write(chunk)));
    },
    end: () =>
      guarded(() => {
        const rest = decoder.end();
        if (rest) parser.write(rest);
        parser.close();
      }),
  };
}

/** 'x:row' → 'row': some writers prefix the spreadsheet namespace. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/**
 * Decodes the _xHHHH_ escapes OOXML uses for characters XML cannot carry (e.g. _x000D_). An
 * escape may name half of a surrogate pair, which is no character: it becomes U+FFFD, which the
 * row rules refuse as unreadable text, as they do in a CSV.
 */
export function unescapeOoxml(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The inverse, for text written into a workbook: a `_` that starts what reads as an escape is
 * itself escaped (`_x005F_`), as Excel does, so `_x0041_` in a name comes back as `_x0041_`,
 * not as `A`.
 */
export function escapeOoxml(text: string): string {
  return text.includes('_x') ? text.replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_') : text;
}
