/* eslint-disable no-control-regex */

/**
 * Line breaks, tabs and other control characters (C0, DEL, C1). Invisible in a spreadsheet, so
 * in an identifier or a password they only get there by accident, and would break sign-in and
 * API look-ups: nobody could type them again.
 */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Characters no spreadsheet writes into any cell: C0 controls other than tab, line feed and CR,
 * and DEL. Narrower than CONTROL_CHARACTERS: any cell (a comment, say) may hold a tab or
 * several lines.
 */
export const NON_TEXT_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Characters that show as nothing or turn text around: zero-width spaces and joiners, bidi
 * overrides and isolates, the BOM. In an identifier they let `ad\u200bmin` pose as `admin`.
 */
export const INVISIBLE_CHARACTERS = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
