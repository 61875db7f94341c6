import type { Document } from 'bson';
import { CommandError, asCommandError } from '../errors';
import { catalogCommands } from './catalog';
import { strictCommand, type CommandContext, type CommandDefinition } from './context';
import { readCommands } from './reads';
import { serverCommands, transactionsUnsupported } from './server';
import { writeCommands } from './writes';

export type { CommandContext, ConnectionInfo } from './context';

const definitions: Record<string, CommandDefinition> = {
  ...serverCommands,
  ...readCommands,
  ...writeCommands,
  ...catalogCommands,
  listCommands: strictCommand('listCommands', () => ({ commands: Object.fromEntries(Object.keys(definitions).map((name) => [name, { help: '' }])), ok: 1 }), []),
};

/** Set MONGO_WIRE_LOG=1 to see commands this server does not know and unexpected failures. */
const logging = process.env.MONGO_WIRE_LOG === '1';

export function runCommand(command: Document, context: CommandContext): Document {
  const name = Object.keys(command)[0] ?? '';
  // The driver only attaches txnNumber for transactions here: it knows standalones lack retryable writes.
  if (command.txnNumber !== undefined || command.startTransaction === true) return transactionsUnsupported().toReply();
  const definition = Object.prototype.hasOwnProperty.call(definitions, name) ? definitions[name] : undefined;
  if (!definition) {
    if (logging) console.error(`[mongoWire] unknown command ${name}: ${JSON.stringify(command)}`);
    return new CommandError(59, 'CommandNotFound', `no such command: '${name}'`).toReply();
  }
  try {
    // Like mongod's IDL parser: the whole command is checked before any of it runs.
    definition.fields?.check(command, definition.name, { command: true });
    return definition.run(command, context);
  } catch (error) {
    if (logging && !(error instanceof CommandError)) console.error(`[mongoWire] ${name} failed`, error);
    if (logging && error instanceof CommandError && (error.code === 40415 || error.code === 115)) console.error(`[mongoWire] ${name} refused: ${error.message}`);
    return asCommandError(error).toReply();
  }
}
