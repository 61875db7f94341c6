/**
 * What a workbook cell reads as: the text an admin sees in Excel, so that an import of a
 * workbook means what the admin sees in it, and the same as an import of the CSV Excel saves.
 */
export type NumberFormatKind = 'general' | 'date' | 'text';
export type CellType = 'n' | 's' | 'str' | 'inlineStr' | 'b' | 'e' | 'd';

/** Excel's own formats, which a workbook names by id without writing their code. */
const BUILT_IN_DATE_IDS: readonly (readonly [number, number])[] = [
  [14, 22],
  [27, 36],
  [45, 47],
  [50, 58],
];
const BUILT_IN_TEXT_ID = 49;

/** Built-in numFmtId 14-22, 27-36, 45-47, 50-58 are dates/times; 49 is text '@'; custom codes judged by isDateFormatCode. */
export function numberFormatKind(numFmtId: number, formatCode: string | undefined): NumberFormatKind {
  // A workbook may write a code even for a built-in id; the code is what Excel displays by.
  if (formatCode !== undefined) {
    if (formatCode.trim() === '@') return 'text';
    return isDateFormatCode(formatCode) ? 'date' : 'general';
  }
  if (numFmtId === BUILT_IN_TEXT_ID) return 'text';
  return BUILT_IN_DATE_IDS.some(([first, last]) => numFmtId >= first && numFmtId <= last) ? 'date' : 'general';
}

/** Elapsed-time brackets ([h], [mm], [ss]) are the only brackets that display a date part. */
const ELAPSED_TIME = /^\[(h+|m+|s+)\]$/i;

/** Excel custom format code → does it display a date/time (d, m, y, h, s tokens outside quotes, brackets like [Red] / [$-409], and escaped chars)? '[h]:mm' yes; '0.00' no; '"day"0' no; '@' no (text). */
export function isDateFormatCode(code: string): boolean {
  let i = 0;
  while (i < code.length) {
    const char = code[i] as string;
    if (char === '"') {
      const close = code.indexOf('"', i + 1);
      i = close === -1 ? code.length : close + 1;
    } else if (char === '\\' || char === '_' || char === '*') {
      // An escaped character, a space as wide as one, or a fill character: shown, not a token.
      i += 2;
    } else if (char === '[') {
      const close = code.indexOf(']', i + 1);
      const bracket = close === -1 ? code.slice(i) : code.slice(i, close + 1);
      if (ELAPSED_TIME.test(bracket)) return true;
      i = close === -1 ? code.length : close + 1;
    } else if (/[dmyhs]/i.test(char)) {
      return true;
    } else {
      i += 1;
    }
  }
  return false;
}

const STORED_NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Excel shows at most this many significant digits of a number. */
const SIGNIFICANT_DIGITS = 15;

/** A number cell's stored <v> (e.g. '123', '1.2345678901234568E+18', '0.30000000000000004', '-1E-3') → the text a user sees, with Excel's 15 significant digits, never in scientific notation and never with a trailing '.0'. */
export function numberText(stored: string): string {
  const text = stored.trim();
  const match = STORED_NUMBER.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return text;
  // A double holds nothing past ±1.8e308: a larger exponent is no number Excel stored, and
  // written out in digits it would be a string of any length. Kept as it was written.
  if (!Number.isFinite(Number(text))) return text;
  const negative = match[1] === '-';
  let digits = `${match[2]}${match[3] ?? ''}`;
  // Where the decimal point falls, counted in digits from the left of `digits`.
  let point = (match[2] ?? '').length + Number(match[4] ?? '0');
  const leadingZeros = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leadingZeros);
  point -= leadingZeros;
  if (digits.length > SIGNIFICANT_DIGITS) {
    const roundUp = (digits[SIGNIFICANT_DIGITS] as string) >= '5';
    digits = digits.slice(0, SIGNIFICANT_DIGITS);
    if (roundUp) {
      const carried = incrementDigits(digits);
      if (carried.length > digits.length) point += 1;
      digits = carried.slice(0, SIGNIFICANT_DIGITS);
    }
  }
  digits = digits.replace(/0+$/, '');
  // Below a double's smallest (about 5e-324) a stored number is 0.
  if (digits === '' || Number(text) === 0) return '0';
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) plain = `${digits}${'0'.repeat(point - digits.length)}`;
  else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${plain}` : plain;
}

/** '129' → '130', '999' → '1000': rounding away from zero on the decimal digits themselves. */
function incrementDigits(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i -= 1) {
    if (out[i] !== '9') {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
    out[i] = '0';
  }
  return `1${out.join('')}`;
}

const SECONDS_PER_DAY = 86400;
/** Days from 1970-01-01 to the day before serial 1 in each date system. */
const EPOCH_1900 = -25568; // 1899-12-31
const EPOCH_1904 = -24107; // 1904-01-01 is serial 0

/** Excel date serial → 'YYYY-MM-DD', or 'YYYY-MM-DD HH:MM:SS' when it has a time part (rounded to the second); honours the 1900 leap-year bug and the 1904 system. */
export function dateText(serial: number, date1904: boolean): string {
  if (!Number.isFinite(serial) || serial < 0) return numberText(String(serial));
  const totalSeconds = Math.round(serial * SECONDS_PER_DAY);
  const day = Math.floor(totalSeconds / SECONDS_PER_DAY);
  const seconds = totalSeconds - day * SECONDS_PER_DAY;
  if (date1904) return civilText(EPOCH_1904 + day, seconds);
  // Lotus 1-2-3 counted 1900 as a leap year and Excel kept it: serial 60 is 1900-02-29, a day
  // that never was, and every later serial is one more than the days since 1899-12-31.
  if (day === 0) return withTime('1900-01-00', seconds);
  if (day === 60) return withTime('1900-02-29', seconds);
  return civilText(EPOCH_1900 + (day > 60 ? day - 1 : day), seconds);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?/;

/** A 'd' cell's ISO 8601 text → the same text dateText gives for that moment. */
function isoDateText(value: string): string {
  const match = ISO_DATE.exec(value.trim());
  if (!match) return value;
  const [, year, month, day, hours, minutes, seconds] = match;
  const time = Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Math.round(Number(seconds ?? 0));
  const carry = Math.floor(time / SECONDS_PER_DAY);
  return civilText(daysFromCivil(Number(year), Number(month), Number(day)) + carry, time - carry * SECONDS_PER_DAY);
}

/** value: for 's' the shared string's text; 'inlineStr' the inline text; 'n' the stored number; 'b' '1'/'0' → 'TRUE'/'FALSE'; 'e' the error text as is; 'd' an ISO date; 'str' as is. */
export function cellDisplayText(type: CellType, value: string, format: NumberFormatKind, date1904: boolean): string {
  switch (type) {
    case 's':
    case 'inlineStr':
    case 'str':
    case 'e':
      return value;
    case 'b':
      return value.trim() === '1' || value.trim().toLowerCase() === 'true' ? 'TRUE' : 'FALSE';
    case 'd':
      return isoDateText(value);
    case 'n': {
      if (value.trim() === '') return '';
      if (format !== 'date') return numberText(value);
      const serial = Number(value);
      return Number.isNaN(serial) ? value : dateText(serial, date1904);
    }
  }
}

function withTime(date: string, seconds: number): string {
  if (seconds === 0) return date;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date} ${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/** Days since 1970-01-01 → 'YYYY-MM-DD' (H. Hinnant's civil_from_days: proleptic Gregorian, no Date). */
function civilText(days: number, seconds: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return withTime(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, seconds);
}

/** 'YYYY-MM-DD' → days since 1970-01-01 (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
