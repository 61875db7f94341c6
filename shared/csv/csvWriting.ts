import Papa from 'papaparse';

/** UTF-8 BOM: without it Excel shows accented names as mojibake. */
export const UTF8_BOM = '\uFEFF';

/** One CSV line, CRLF-terminated as Excel writes them; quoting by papaparse. */
export function csvLine(cells: readonly string[]): string {
  return csvLines([cells]);
}

/** Several CSV lines in one call: per line, papaparse's set-up costs more than the quoting. */
export function csvLines(rows: readonly (readonly string[])[]): string {
  return rows.length === 0 ? '' : `${Papa.unparse(rows as string[][], { newline: '\r\n', quotes: false })}\r\n`;
}

/**
 * Groups lines into pieces of about 64 KiB: one write per line would make a million-user export
 * spend its time in stream bookkeeping, one write for everything would hold it all in memory.
 */
export async function* batchLines(lines: AsyncIterable<string>, pieceSize = 64 * 1024): AsyncGenerator<string> {
  let piece = '';
  for await (const line of lines) {
    piece += line;
    if (piece.length >= pieceSize) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}
