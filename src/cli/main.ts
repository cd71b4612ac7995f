import { Command } from 'commander';
import { runCli } from './cli-output.js';
import { registerBootTestCommand } from './commands/boot-test.command.js';
import { registerBuildCommand } from './commands/build.command.js';
import { registerGenerateCommand } from './commands/generate.command.js';
import { registerInitCommand } from './commands/init.command.js';
import { registerKeysCommand } from './commands/keys.command.js';
import { registerMigrateCommand } from './commands/migrate.command.js';
import { registerPlanCommand } from './commands/plan.command.js';
import { registerPresetsCommand } from './commands/presets.command.js';
import { registerServeCommand } from './commands/serve.command.js';
import { registerValidateCommand } from './commands/validate.command.js';
import { registerWorkerCommand } from './commands/worker.command.js';

/**
 * Every `lbe` command, in help order. To add one: write `src/cli/commands/<name>.command.ts` exporting
 * `register<Name>Command(program: Command): void`, then add it to this list (one import, one entry).
 */
const COMMANDS: readonly ((program: Command) => void)[] = [
  registerValidateCommand,
  registerPresetsCommand,
  registerInitCommand,
  registerPlanCommand,
  registerBuildCommand,
  registerBootTestCommand,
  registerGenerateCommand,
  registerServeCommand,
  registerWorkerCommand,
  registerMigrateCommand,
  registerKeysCommand,
];

/** The `lbe` program with every command registered; parsing is left to the caller. */
export function buildProgram(): Command {
  const program = new Command('lbe')
    .description('Linux Builder Engine: turn a BuildSpec into real Linux artifacts')
    .version('0.1.0')
    .showHelpAfterError('(run lbe --help for usage)')
    // Before registering: subcommands inherit it, so usage errors end in runCli (exit 2), not process.exit(1).
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

process.exitCode = await runCli(buildProgram(), process.argv);
