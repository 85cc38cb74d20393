/** The `idwise-webhooks` binary (bin/idwise-webhooks.js imports this file from dist/esm/cli/). */
import { runCli } from './run-cli.js';

// `idwise-webhooks events | head`: the reader has gone, so there is no one left to tell. Stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Not a usage mistake and not a non-200 answer: a bug here. The stack helps report it.
    process.stderr.write(`idwise-webhooks: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
