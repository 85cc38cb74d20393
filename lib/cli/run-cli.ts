/** The command dispatcher: which command, and a usage mistake turned into a message and exit code 2. */
import { eventsCommand } from './events-command.js';
import { HELP_BY_COMMAND, MAIN_HELP } from './help.js';
import type { CliOutput } from './output.js';
import { sendCommand } from './send-command.js';
import { closest } from '../suggest.js';
import { UsageError } from './usage-error.js';

const COMMANDS = ['send', 'events', 'help'];

/** Runs one command line (without `node` and the script) and resolves to the exit code. */
export async function runCli(args: string[], output: CliOutput): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'send':
        return await sendCommand(rest, output);
      case 'events':
        return eventsCommand(rest, output);
      // The bare command is how people ask what it does: an answer, not an error.
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return help(rest, output);
      default: {
        const meant = command.startsWith('-') ? undefined : closest(command, COMMANDS);
        throw new UsageError(
          command.startsWith('-')
            ? `a command comes first, before flags such as ${command}.`
            : `unknown command ${JSON.stringify(command)}.${meant ? ` Did you mean ${meant}?` : ''}`,
          meant ? `idwise-webhooks ${meant} ...  (see idwise-webhooks help ${meant})` : 'idwise-webhooks help',
        );
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const where = command !== undefined && COMMANDS.includes(command) ? command : undefined;
    output.err(`idwise-webhooks${where ? ` ${where}` : ''}: ${error.message}\nFix: ${error.fix}\n`);
    if (where) output.err(`Every flag: idwise-webhooks help ${where}\n`);
    else output.err(`Every command: idwise-webhooks help\n`);
    return 2;
  }
}

function help([topic, ...extra]: string[], output: CliOutput): number {
  if (topic === undefined) {
    output.out(MAIN_HELP);
    return 0;
  }
  const text = Object.hasOwn(HELP_BY_COMMAND, topic) ? HELP_BY_COMMAND[topic] : undefined;
  if (!text || extra.length > 0) {
    throw new UsageError(`help takes one command name: send or events.`, 'idwise-webhooks help send');
  }
  output.out(text);
  return 0;
}
