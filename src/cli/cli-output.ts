import { CommanderError, type Command } from 'commander';
import { isLbeError } from '../errors/index.js';

/**
 * How every `lbe` command reports to people and machines. Contract: results go to stdout (`--json` prints
 * one JSON document there), diagnostics to stderr, one `path: message` line per problem; the exit code says
 * what happened (EXIT_CODES).
 */
export const EXIT_CODES = {
  /** The command did what was asked. */
  ok: 0,
  /** Something other than the input failed (I/O, a tool, the server). */
  failure: 1,
  /** The input was wrong: invalid spec, parse error, unknown preset, bad usage. */
  invalidInput: 2,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/**
 * Thrown by a command that has already printed what the user needs and only wants the process to end with
 * `code`. `runCli` prints nothing more for it.
 */
export class CliExit extends Error {
  constructor(readonly code: ExitCode) {
    super(`exit ${code}`);
    this.name = 'CliExit';
  }
}

/** A spec issue (or any path/message pair) as one line; the root path reads `(root)`. */
export function formatIssueLine(issue: { readonly path: string; readonly message: string }): string {
  return `${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`;
}

export function printLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Exit code for an error that reached the top: user errors are invalid input, everything else a failure. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliExit) return err.code;
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
      ? EXIT_CODES.ok
      : EXIT_CODES.invalidInput;
  }
  if (isLbeError(err)) return err.isUserError ? EXIT_CODES.invalidInput : EXIT_CODES.failure;
  return EXIT_CODES.failure;
}

/**
 * Runs `program` on `argv` and returns the exit code; never throws. Prints `error: <message>` (and one line
 * per issue of an LbeError) to stderr for errors that commands did not report themselves.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<ExitCode> {
  program.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return EXIT_CODES.ok;
  } catch (err) {
    // Commander has already printed its own usage errors and help.
    if (!(err instanceof CliExit) && !(err instanceof CommanderError)) {
      const message = err instanceof Error ? err.message : String(err);
      printLine(process.stderr, `error: ${message}`);
      if (isLbeError(err)) for (const issue of err.issues) printLine(process.stderr, formatIssueLine(issue));
    }
    return exitCodeFor(err);
  }
}
