import { isAscii, isUtf8 } from 'node:buffer';
import type { TextEncoding } from './fileSniffing';

/**
 * Watches every byte of a file for what decides its encoding, while the validation pass reads
 * it anyway: the head of a file (all the upload sees) may be plain ASCII while an accented name
 * far below shows it was saved as Windows-1252.
 *
 * The rule: UTF-8 when every byte sequence is valid UTF-8; Windows-1252 when no sequence is
 * (Excel's "CSV (Comma delimited)" in Western locales); a file with both was stitched together
 * from two sources and is read as UTF-8, so the rows with bytes that are not UTF-8 fail with the
 * column named instead of every accented name of the UTF-8 part turning into two characters.
 */
export class EncodingEvidence {
  private invalidUtf8 = false;
  private multiByteUtf8 = false;
  /** The start of a character split across chunks. */
  private carry: Buffer | undefined;

  observe(chunk: Buffer): void {
    if (this.invalidUtf8 && this.multiByteUtf8) return;
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    if (isAscii(bytes)) return;
    const whole = bytes.length - incompleteTail(bytes);
    if (whole < bytes.length) this.carry = Buffer.from(bytes.subarray(whole));
    const body = bytes.subarray(0, whole);
    if (isAscii(body)) return;
    if (isUtf8(body)) {
      this.multiByteUtf8 = true;
      return;
    }
    this.scan(body);
  }

  /** The encoding to read the whole file with. */
  decide(): TextEncoding {
    // A character cut off by the end of the file is not UTF-8.
    const invalid = this.invalidUtf8 || this.carry !== undefined;
    return invalid && !this.multiByteUtf8 ? 'windows-1252' : 'utf8';
  }

  private scan(bytes: Buffer): void {
    for (let i = 0; i < bytes.length; ) {
      if (bytes[i] < 0x80) {
        i += 1;
        continue;
      }
      const length = validSequenceLength(bytes, i);
      if (length > 0) this.multiByteUtf8 = true;
      else this.invalidUtf8 = true;
      if (this.invalidUtf8 && this.multiByteUtf8) return;
      i += Math.max(1, length);
    }
  }
}

/** The length of the valid UTF-8 sequence starting at `i`, or 0 (RFC 3629's table). */
function validSequenceLength(bytes: Buffer, i: number): number {
  const lead = bytes[i];
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    if (lead === 0xf4) high = 0x8f;
  } else return 0;
  if (i + length > bytes.length) return 0;
  if (bytes[i + 1] < low || bytes[i + 1] > high) return 0;
  for (let k = 2; k < length; k += 1) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return 0;
  return length;
}

/** How many bytes at the end start a multi-byte character that the next chunk completes. */
function incompleteTail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back];
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return needed > back ? back : 0;
    }
  }
  return 0;
}
