import type { Document } from 'bson';

/**
 * A failure mongod reports as `{ ok: 0, errmsg, code, codeName }` (or, inside a write batch,
 * as one `writeErrors` entry). Codes and names follow mongod's error_codes.yml so that driver
 * logic keyed on them (retry decisions, NamespaceExists being ignored, ...) behaves the same.
 */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Document = {},
  ) {
    super(message);
  }

  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

export const badValue = (message: string) => new CommandError(2, 'BadValue', message);
export const failedToParse = (message: string) => new CommandError(9, 'FailedToParse', message);
export const typeMismatch = (message: string) => new CommandError(14, 'TypeMismatch', message);
export const namespaceNotFound = (message: string) => new CommandError(26, 'NamespaceNotFound', message);

/** mingo's messages for user errors, and the code and wording mongod uses for the same mistake. */
const MINGO_ERRORS: Array<[RegExp, (match: RegExpMatchArray) => CommandError]> = [
  [/unregistered pipeline operator (\$\w+)/, (m) => new CommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${m[1]}'`)],
  [/unknown query operator (\$\w+)/, (m) => badValue(`unknown operator: ${m[1]}`)],
  [/would modify the immutable field '(.+)'/, (m) => new CommandError(66, 'ImmutableField', `Performing an update on the path '${m[1]}' would modify the immutable field '${m[1]}'`)],
  [/Cannot do exclusion and inclusion in projection/, () => new CommandError(31254, 'Location31254', 'Cannot do exclusion in inclusion projection')],
  [/Unknown update operator: '(\$\w+)'/, (m) => failedToParse(`Unknown modifier: ${m[1]}. Expected a valid update modifier or pipeline-style update specified as an array`)],
];

/** Errors thrown by mingo while evaluating user-supplied expressions become mongod-style replies. */
export function asCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, translate] of MINGO_ERRORS) {
    const match = message.match(pattern);
    if (match) return translate(match);
  }
  return badValue(message.replace(/^mingo:\s*/, ''));
}
