import { Command, CommanderError } from 'commander';
import { EppError, describeError } from '../../libs/contracts/errors.js';
import { EPP_VERSION } from '../../libs/contracts/version.js';
import { registerCommands } from './commands/index.js';

/** Exit status for bad input (usage errors and typed input errors). */
export const EXIT_BAD_INPUT = 2;

export function buildProgram(): Command {
  const program = new Command('epp')
    .description('Ensemble post-processing: calibrated probabilistic forecasts from a subset of members')
    .version(EPP_VERSION, '-V, --version', 'print the epp version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerCommands(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Run the program; map every failure to one line on stderr and a status (2 = bad input, 1 = internal). */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; commander has already printed its one-line usage error otherwise.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
      return;
    }
    process.stderr.write(`epp: ${describeError(err).split('\n')[0]}\n`);
    process.exitCode = err instanceof EppError ? EXIT_BAD_INPUT : 1;
  }
}
