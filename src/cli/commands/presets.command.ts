import type { Command } from 'commander';
import { listPresets } from '../../spec/index.js';
import { printJson, printLine } from '../cli-output.js';

/** `lbe presets [--json]`: one `name  description` line per preset (or a JSON array of {name, description}). */
export function registerPresetsCommand(program: Command): void {
  program
    .command('presets')
    .description('list the spec presets that `lbe init --preset` can start from')
    .option('--json', 'print the presets as JSON on stdout')
    .action((options: { json?: boolean }) => {
      const presets = listPresets().map(({ name, description }) => ({ name, description }));
      if (options.json === true) {
        printJson(presets);
        return;
      }
      const width = Math.max(...presets.map((p) => p.name.length));
      for (const p of presets) printLine(process.stdout, `${p.name.padEnd(width)}  ${p.description}`);
    });
}
