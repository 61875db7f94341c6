/**
 * The product's error family. Each kind says what went wrong in the caller's terms; the HTTP
 * entry point maps kinds to status codes in one place (api/http/errorHandler.ts), so domain
 * code never thinks in status codes.
 */
export type ErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'too_many_requests'
  | 'unavailable';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly kind: ErrorKind,
    /** Stable, machine-readable code, e.g. `unknown_columns`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** For `too_many_requests` and `unavailable`: when to try again (the Retry-After header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const invalidInput = (code: string, message: string, details?: unknown) => new AppError('invalid_input', code, message, details);
export const notFound = (what: string) => new AppError('not_found', 'not_found', `${what} was not found.`);
export const conflict = (code: string, message: string, details?: unknown) => new AppError('conflict', code, message, details);
export const tooManyRequests = (code: string, message: string, retryAfterSeconds: number) => new AppError('too_many_requests', code, message, undefined, retryAfterSeconds);
