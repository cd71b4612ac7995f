import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecFile } from '../spec/index.js';
import { plan } from './plan.service.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Warnings an example earns on purpose: the live ISO's own /etc/issue carries the marker its boot test reads. */
const INTENDED: Readonly<Record<string, readonly string[]>> = {
  'debian-live-iso.yaml': ['/etc/issue replaces the file generated from hostname'],
};

/** What `lbe validate` / `lbe plan` print for the shipped examples: a newcomer's first run shows no warning
 * it did not ask for. */
describe('examples/ plan without warnings', () => {
  const files = readdirSync(EXAMPLES_DIR).filter((f) => /\.(ya?ml|json)$/.test(f));

  it.each(files)('%s', async (file) => {
    const { spec } = await loadSpecFile(join(EXAMPLES_DIR, file));
    expect(plan(spec).warnings.map((w) => w.message)).toEqual(INTENDED[file] ?? []);
  });
});
