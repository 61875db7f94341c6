import { MongoBulkWriteError, MongoError, MongoNetworkError, MongoServerSelectionError, type WriteError } from 'mongodb';
import type { WriteRefusal } from '../rules/chunkPlan';

/**
 * A bulk write that ended without MongoDB answering for every operation: some may have landed,
 * some not. Thrown instead of guessing, so the chunk stays uncommitted and is replayed.
 */
export class IncompleteWriteError extends Error {
  override name = 'IncompleteWriteError';
  constructor(cause: unknown) {
    super(`A write to the database was interrupted (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
}

// Server answers that mean "not now" rather than "not this": MongoDB's retryable-error codes
// (HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress, PrimarySteppedDown,
// ExceededTimeLimit, SocketException, NotWritablePrimary, InterruptedAtShutdown,
// InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary,
// ReadConcernMajorityNotAvailableYet) plus MaxTimeMSExpired and WriteConcernFailed.
const TEMPORARY_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 134, 50, 64]);
const TEMPORARY_LABELS = ['RetryableWriteError', 'ResetPool', 'TransientTransactionError', 'PoolRequestedRetry', 'SystemOverloadedError'];

/**
 * True when an error says the database could not be reached or could not take the operation
 * right now (connection lost, no server selectable, primary stepping down, a write interrupted),
 * as opposed to refusing it. Such an operation may succeed if tried again later; an import
 * waits and resumes from its checkpoint instead of failing.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof IncompleteWriteError) return true;
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  // The driver wraps a dropped connection in a bulk write error that lists no refused rows and
  // carries no server code; a wrapped server error (unauthorised, over quota) keeps its code.
  if (error instanceof MongoBulkWriteError && (error.writeErrors as unknown[]).length === 0) {
    const code = typeof error.code === 'number' ? error.code : undefined;
    return code === undefined || TEMPORARY_CODES.has(code) || TEMPORARY_LABELS.some((label) => error.hasErrorLabel(label));
  }
  if (error instanceof MongoError) {
    if (TEMPORARY_LABELS.some((label) => error.hasErrorLabel(label))) return true;
    if (typeof error.code === 'number' && TEMPORARY_CODES.has(error.code)) return true;
  }
  const { name, message } = error as { name?: string; message?: string };
  // mongoose queues operations while disconnected and gives up after bufferTimeoutMS.
  if (name === 'MongooseServerSelectionError' || (name === 'MongooseError' && /buffering timed out/.test(message ?? ''))) return true;
  if (name === 'MongoPoolClearedError' || name === 'MongoNetworkTimeoutError') return true;
  return isDatabaseUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

/** What an admin reads when an import waits for, or gives up on, the database. */
export function describeUnavailability(error: unknown): string {
  const detail = ((error as Error)?.message ?? String(error)).slice(0, 200);
  if (error instanceof MongoServerSelectionError || (error as Error)?.name === 'MongooseServerSelectionError') {
    return `The database (MongoDB) cannot be reached (${detail})`;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && [189, 10107, 11600, 11602, 13435, 13436, 91].includes(code)) {
    return `The database (MongoDB) is changing its primary or shutting down (${detail})`;
  }
  if (typeof code === 'number' && [50, 89, 262].includes(code)) return `The database (MongoDB) did not answer in time (${detail})`;
  return `The connection to the database (MongoDB) was lost (${detail})`;
}

/** MongoDB's code for a write a unique index refused: the key is taken already. */
const DUPLICATE_KEY = 11000;
/** MongoDB's code for a write that met a concurrent one. */
const WRITE_CONFLICT = 112;

/**
 * True when MongoDB refused a write because a unique index already holds its key: an error
 * thrown by a write, or one refusal (a write error) of a bulk write or write command.
 */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === DUPLICATE_KEY;
}

/** The refusals of a bulk write, one per operation MongoDB refused. */
export function writeErrorsOf(error: MongoBulkWriteError): readonly WriteError[] {
  const refusals = error.writeErrors;
  return Array.isArray(refusals) ? refusals : [refusals as WriteError];
}

/** A bulk write that refused something, and nothing but duplicate keys: what it was to write is there already. */
export function onlyDuplicateKeys(error: unknown): error is MongoBulkWriteError {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const refusals = writeErrorsOf(error);
  return refusals.length > 0 && refusals.every(isDuplicateKey);
}

/** One refusal of a write command in the words of rules/chunkPlan.ts, which knows no MongoDB codes. */
export function writeRefusalOf(refusal: { code?: number; errmsg?: string }): WriteRefusal {
  const errmsg = refusal.errmsg ?? '';
  if (isDuplicateKey(refusal)) return { reason: 'duplicate_key', errmsg };
  if (refusal.code === WRITE_CONFLICT) return { reason: 'write_conflict', errmsg };
  return { errmsg };
}
