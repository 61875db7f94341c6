/** Why a record could not be read as cells: its row fails with that reason, nothing else does. */
export type UnreadableReason = 'unclosed_quote' | 'too_long';

/**
 * A record still open after this many characters and over more than one line is a quote that
 * was never closed: no spreadsheet cell is that long, so the quote swallows rows.
 */
export const MAX_QUOTED_CHARS = 64 * 1024;
/** A single line longer than this is not a row of a user table. */
export const MAX_LINE_CHARS = 1024 * 1024;
