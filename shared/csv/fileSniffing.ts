import iconv from 'iconv-lite';
import { DOOR_CHECK_MESSAGES } from '../rules/doorCheckMessages';

export type TextEncoding = 'utf8' | 'windows-1252';

export type SniffResult =
  | { ok: true; encoding: TextEncoding; text: string }
  | { ok: false; reason: 'empty' | 'binary'; message: string };

/**
 * Decides from the first bytes of an upload whether it is text at all and how it is encoded.
 * Excel saves CSV as UTF-8 with a BOM, UTF-8 without one, or (older versions) Windows-1252;
 * anything that is not valid UTF-8 is read as Windows-1252, which decodes every byte.
 */
/**
 * What kind of file an upload is, from its first bytes: a zip (an .xlsx workbook, or another
 * zip), an OLE compound file (an old .xls, or an .xlsx Excel encrypted with a password), or
 * anything else, which the CSV door check judges.
 */
export function containerOf(head: Buffer): 'zip' | 'compound_file' | 'other' {
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  if (head.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) return 'compound_file';
  return 'other';
}

export function sniffCsvHead(head: Buffer, { complete }: { complete: boolean }): SniffResult {
  if (head.length === 0 || head.toString('latin1').trim() === '' || (head.length === 3 && isUtf8Bom(head))) {
    return { ok: false, reason: 'empty', message: DOOR_CHECK_MESSAGES.empty };
  }
  if (isUtf16Bom(head)) {
    return { ok: false, reason: 'binary', message: DOOR_CHECK_MESSAGES.utf16 };
  }
  // NUL is what tells binary from text (UTF-16 without a BOM, images, archives all have it).
  // Other control characters are judged per row wherever they are, so a stray one in the head
  // fails its row like one further down instead of refusing the file.
  if (head.includes(0)) {
    return { ok: false, reason: 'binary', message: DOOR_CHECK_MESSAGES.binary };
  }
  const encoding: TextEncoding = isValidUtf8(head, complete) ? 'utf8' : 'windows-1252';
  return { ok: true, encoding, text: decode(head, encoding) };
}

export function decode(bytes: Buffer, encoding: TextEncoding): string {
  // iconv-lite drops a leading UTF-8 BOM, so headers never start with U+FEFF.
  return iconv.decode(bytes, encoding);
}

function isUtf8Bom(bytes: Buffer): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

function isUtf16Bom(bytes: Buffer): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

/** The head may end in the middle of a multi-byte character; that is not invalid. */
function isValidUtf8(bytes: Buffer, complete: boolean): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}
