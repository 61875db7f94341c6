import type { Document } from 'bson';
import { CommandError, asCommandError } from '../errors';
import { catalogCommands } from './catalog';
import type { CommandContext, CommandHandler } from './context';
import { readCommands } from './reads';
import { serverCommands, transactionsUnsupported } from './server';
import { writeCommands } from './writes';

export type { CommandContext, ConnectionInfo } from './context';

const handlers: Record<string, CommandHandler> = {
  ...serverCommands,
  ...readCommands,
  ...writeCommands,
  ...catalogCommands,
  listCommands: () => ({ commands: Object.fromEntries(Object.keys(handlers).map((name) => [name, { help: '' }])), ok: 1 }),
};

/** Set MONGO_WIRE_LOG=1 to see commands this server does not know and unexpected failures. */
const logging = process.env.MONGO_WIRE_LOG === '1';

export function runCommand(command: Document, context: CommandContext): Document {
  const name = Object.keys(command)[0] ?? '';
  // The driver only attaches txnNumber for transactions here: it knows standalones lack retryable writes.
  if (command.txnNumber !== undefined || command.startTransaction === true) return transactionsUnsupported().toReply();
  const handler = Object.prototype.hasOwnProperty.call(handlers, name) ? handlers[name] : undefined;
  if (!handler) {
    if (logging) console.error(`[mongoWire] unknown command ${name}: ${JSON.stringify(command)}`);
    return new CommandError(59, 'CommandNotFound', `no such command: '${name}'`).toReply();
  }
  try {
    return handler(command, context);
  } catch (error) {
    if (logging && !(error instanceof CommandError)) console.error(`[mongoWire] ${name} failed`, error);
    return asCommandError(error).toReply();
  }
}
