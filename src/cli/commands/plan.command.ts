import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isLbeError } from '../../errors/index.js';
import { plan, writePlanContext, type BuildPlan } from '../../plan/index.js';
import { loadSpecFile } from '../../spec/index.js';
import { CliExit, EXIT_CODES, formatIssueLine, printJson, printLine } from '../cli-output.js';

interface PlanOptions {
  readonly out?: string;
  readonly mirror?: string;
  readonly json?: boolean;
}

/**
 * `lbe plan <spec> [--out DIR] [--mirror URL] [--json]`: turns a spec into its recipe without building.
 * With `--out`, writes `DIR/Dockerfile`, every context file (`DIR/rootfs/…`, `DIR/lbe/…`) and
 * `DIR/plan.json`; `docker build DIR` then builds the image on a host that reaches the registries.
 * People: warnings on stderr (`warning: path: message`), then the plan hash on stdout, exit 0.
 * `--json`: `{ hash, imageTag, family, stageOrder, packages, warnings, files }` on stdout.
 * An unreadable, unparsable or invalid spec prints one line per problem on stderr and exits 2.
 */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'turn a build spec into its recipe (Dockerfile, generated files, stages, hash) without building',
    )
    .argument('<spec>', 'spec file (.json, .yaml or .yml)')
    .option('-o, --out <dir>', 'write the Dockerfile, the build context and plan.json into this directory')
    .option('--mirror <url>', 'Debian mirror for the base bootstrap (default http://deb.debian.org/debian)')
    .option('--json', 'print a summary of the plan as JSON on stdout')
    .action(async (file: string, options: PlanOptions) => {
      await planCommand(file, options);
    });
}

async function loadOrExit(file: string): Promise<Awaited<ReturnType<typeof loadSpecFile>>> {
  try {
    return await loadSpecFile(file);
  } catch (err) {
    if (!isLbeError(err) || !err.isUserError) throw err;
    for (const issue of err.issues) printLine(process.stderr, formatIssueLine(issue));
    printLine(
      process.stderr,
      `error: ${err.issues.length > 0 ? `${file}: the build spec is invalid` : err.message}`,
    );
    throw new CliExit(EXIT_CODES.invalidInput);
  }
}

async function planCommand(file: string, options: PlanOptions): Promise<void> {
  const loaded = await loadOrExit(file);
  const result: BuildPlan = plan(
    loaded.spec,
    options.mirror === undefined ? {} : { debianMirror: options.mirror },
  );
  const warnings = [...loaded.warnings, ...result.warnings];

  let written: string[] = [];
  if (options.out !== undefined) {
    await mkdir(options.out, { recursive: true });
    written = await writePlanContext(result, options.out);
    await writeFile(join(options.out, 'plan.json'), `${JSON.stringify(result, null, 2)}\n`);
    written.push('plan.json');
  }

  if (options.json === true) {
    printJson({
      hash: result.hash,
      imageTag: result.imageTag,
      family: result.family,
      base: result.base,
      stageOrder: result.stageOrder,
      packages: result.packages,
      warnings,
      files: written,
    });
    return;
  }
  for (const w of warnings) printLine(process.stderr, `warning: ${formatIssueLine(w)}`);
  if (options.out !== undefined) {
    printLine(
      process.stderr,
      `wrote ${written.length} files to ${options.out} (image tag ${result.imageTag})`,
    );
  }
  printLine(process.stdout, result.hash);
}
