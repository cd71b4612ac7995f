import type { Command } from 'commander';
import { isLbeError } from '../../errors/index.js';
import { plan } from '../../plan/index.js';
import { parseSpecText, readSpecFile, validateSpec, type SpecIssue } from '../../spec/index.js';
import { CliExit, EXIT_CODES, formatIssueLine, printJson, printLine } from '../cli-output.js';

interface ValidateOptions {
  readonly json?: boolean;
}

/**
 * `lbe validate <file> [--json]`: parses (JSON or YAML by extension) and validates a spec.
 * Warnings are the spec rules' and the recipe's (as `lbe plan` and the API report them).
 * People: warnings on stderr as `warning: path: message`, then `valid: …` on stdout, exit 0; or one
 * `path: message` line per problem on stderr, exit 2. A parse error or an unreadable file prints
 * `error: <file>: line L, column C: …` and exits 2.
 * `--json`: one document on stdout, `{ valid, errors, warnings, spec? }`, same exit codes.
 */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a build spec (JSON or YAML): every problem at once, each with its path')
    .argument('<spec>', 'spec file (.json, .yaml or .yml)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (file: string, options: ValidateOptions) => {
      await validateCommand(file, options);
    });
}

async function validateCommand(file: string, options: ValidateOptions): Promise<void> {
  let errors: readonly SpecIssue[];
  let warnings: readonly SpecIssue[] = [];
  let summary = '';
  let spec: unknown;
  let fatal: string | undefined;
  try {
    const result = validateSpec(parseSpecText(await readSpecFile(file), file));
    warnings = result.warnings;
    if (result.ok) {
      errors = [];
      spec = result.spec;
      // The recipe's own warnings (unavailable packages, unusable sudo, …) and refusals: the same lists
      // `lbe plan` and `POST /api/build/validate` report, so a spec that validates clean also plans clean.
      try {
        warnings = [...warnings, ...plan(result.spec).warnings];
      } catch (err) {
        if (!isLbeError(err) || !err.isUserError || err.issues.length === 0) throw err;
        errors = err.issues;
      }
      const s = result.spec;
      summary = `valid: ${file} (${s.base} ${s.release}, ${s.init}, ${s.packages.length} packages, ${warnings.length} warnings)`;
    } else {
      errors = result.errors;
    }
  } catch (err) {
    if (!isLbeError(err) || !err.isUserError) throw err;
    errors = [{ path: '', message: err.message }];
    fatal = err.message;
  }

  if (options.json === true) {
    printJson({ valid: errors.length === 0, errors, warnings, ...(spec === undefined ? {} : { spec }) });
  } else {
    for (const w of warnings) printLine(process.stderr, `warning: ${formatIssueLine(w)}`);
    if (fatal !== undefined) printLine(process.stderr, `error: ${fatal}`);
    else for (const e of errors) printLine(process.stderr, formatIssueLine(e));
    if (errors.length === 0) printLine(process.stdout, summary);
    else
      printLine(
        process.stderr,
        `invalid: ${file} (${errors.length} problem${errors.length === 1 ? '' : 's'})`,
      );
  }
  if (errors.length > 0) throw new CliExit(EXIT_CODES.invalidInput);
}
