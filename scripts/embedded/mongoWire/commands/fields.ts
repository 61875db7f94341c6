import type { Document } from 'bson';
import { CommandError } from '../errors';

/**
 * mongod parses commands with its IDL parser, and nearly every command is declared `strict`:
 * a field it does not know fails the whole command before anything runs. This server does the
 * same, and goes one step further for fields mongod knows but this server does not implement:
 * those are refused too, loudly, instead of being ignored. A test that passes here then passes
 * for the reason it would against mongod, or fails and says why.
 */

/**
 * Generic arguments (mongod's generic_argument.idl, API version 1) that any command may carry and
 * the driver does send. Accepted everywhere; `txnNumber` and friends reach a handler only outside
 * a transaction (runCommand refuses transactions the way a standalone does).
 */
export const GENERIC_ARGUMENTS: ReadonlySet<string> = new Set([
  '$db', 'lsid', '$clusterTime', '$readPreference', 'readConcern', 'writeConcern', 'comment', 'maxTimeMS',
  'apiVersion', 'apiStrict', 'apiDeprecationErrors', 'clientOperationKey', 'txnNumber', 'autocommit', 'startTransaction', 'stmtId',
]);

/** Generic arguments mongod keeps for its own cluster machinery (unstable API): known to it, implemented by nothing here. */
const INTERNAL_GENERIC_ARGUMENTS: ReadonlySet<string> = new Set([
  '$audit', '$client', '$configServerState', 'allowImplicitCollectionCreation', '$oplogQueryData', '$queryOptions', '$replData',
  'databaseVersion', 'shardVersion', 'tracking_info', 'coordinator', 'maxTimeMSOpOnly', '$configTime', '$topologyTime',
  'txnRetryCounter', 'mayBypassWriteBlocking', '$tenant', 'expectPrefix',
]);

/** mongod's IDL parser on a field a strict command or struct does not declare. */
export function unknownField(path: string): CommandError {
  return new CommandError(40415, 'Location40415', `BSON field '${path}' is an unknown field.`);
}

/** A field mongod 7.0 would honour and this server would otherwise have ignored. */
export function notImplemented(path: string): CommandError {
  return new CommandError(115, 'CommandNotSupported', `the in-memory stand-in does not implement '${path}'; run against a real mongod (MONGO_URL)`);
}

/**
 * The fields of one command, or of one statement inside a write command.
 *
 * - accepted: what the handler reads, or what cannot change the outcome on this server;
 * - unimplemented: what mongod 7.0 declares but this server does not do. Refused, except with
 *   the value `false`, which for these (boolean) options is mongod's default and so changes nothing.
 *
 * Anything else is unknown to mongod 7.0 too and fails as its parser fails.
 */
export class FieldRules {
  private readonly accepted: ReadonlySet<string>;
  private readonly unimplemented: ReadonlySet<string>;

  constructor(accepted: readonly string[], unimplemented: readonly string[] = []) {
    this.accepted = new Set(accepted);
    this.unimplemented = new Set(unimplemented);
  }

  /**
   * Throws for the first field of `document`, in order, that is neither accepted nor (for a whole
   * command) generic. `context` is mongod's parser path: `find`, `update.updates`.
   */
  check(document: Document, context: string, options: { command: boolean }): void {
    const fields = Object.keys(document);
    for (let i = options.command ? 1 : 0; i < fields.length; i++) {
      const field = fields[i];
      if (this.accepted.has(field)) continue;
      if (options.command && GENERIC_ARGUMENTS.has(field)) continue;
      if (this.unimplemented.has(field)) {
        if (document[field] === false) continue;
        throw notImplemented(`${context}.${field}`);
      }
      if (options.command && INTERNAL_GENERIC_ARGUMENTS.has(field)) throw notImplemented(`${context}.${field}`);
      throw unknownField(`${context}.${field}`);
    }
  }
}
