import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { getPreset } from '../../spec/index.js';
import { CliExit, EXIT_CODES, printLine } from '../cli-output.js';

interface InitOptions {
  readonly preset: string;
  readonly out?: string;
  readonly format?: 'yaml' | 'json';
  readonly force?: boolean;
}

/**
 * `lbe init --preset NAME [--out FILE] [--format yaml|json] [--force]`: writes the preset's spec to FILE
 * (or stdout). The format defaults to json for a `.json` FILE, else yaml. An existing FILE is never
 * overwritten without --force (exit 1). Unknown preset: exit 2, naming the known ones.
 */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a new spec from a preset (see lbe presets)')
    .requiredOption('--preset <name>', 'preset to start from')
    .option('--out <file>', 'file to write (default: stdout)')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']))
    .option('--force', 'overwrite FILE if it exists')
    .action(async (options: InitOptions) => {
      await initCommand(options);
    });
}

async function initCommand(options: InitOptions): Promise<void> {
  const preset = getPreset(options.preset);
  const format =
    options.format ?? (options.out !== undefined && /\.json$/i.test(options.out) ? 'json' : 'yaml');
  const text =
    format === 'json'
      ? `${JSON.stringify(preset.spec, null, 2)}\n`
      : `# ${preset.name}: ${preset.description}\n# Check it with: lbe validate <this file>\n${stringify(preset.spec, { lineWidth: 0 })}`;
  if (options.out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(options.out, text, { flag: options.force === true ? 'w' : 'wx', mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      printLine(process.stderr, `error: ${options.out} already exists; use --force to overwrite it`);
      throw new CliExit(EXIT_CODES.failure);
    }
    throw err;
  }
  printLine(process.stderr, `wrote ${options.out} (preset ${preset.name}, ${format})`);
}
