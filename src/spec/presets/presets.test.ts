import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LbeError } from '../../errors/index.js';
import { loadSpecFile, parseSpecText } from '../spec.parse.js';
import { validateSpec } from '../spec.validate.js';
import { getPreset, listPresets, PRESET_NAMES } from './presets.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe('presets', () => {
  it('has the six named presets, each with a one-line description', () => {
    expect(PRESET_NAMES).toEqual([
      'developer-workstation',
      'production-server',
      'gaming-desktop',
      'edge-device',
      'pentesting',
      'minimal-server',
    ]);
    for (const p of listPresets()) {
      expect(p.description).toMatch(/^[^\n]{10,120}$/);
      expect(p.spec.name).toBe(p.name);
    }
  });

  it.each(PRESET_NAMES)('%s validates with no errors and no warnings', (name) => {
    const r = validateSpec(getPreset(name).spec);
    expect(r.ok ? { errors: [], warnings: r.warnings } : { errors: r.errors, warnings: r.warnings }).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it('getPreset returns a copy the caller may change', () => {
    const a = getPreset('minimal-server');
    (a.spec as { hostname?: string }).hostname = 'changed';
    expect(getPreset('minimal-server').spec.hostname).toBe('server');
  });

  it('an unknown preset throws LBE_SPEC_PRESET_NOT_FOUND naming the known ones', () => {
    expect(() => getPreset('nope')).toThrow(LbeError);
    expect(() => getPreset('toString')).toThrow(/known presets: developer-workstation/);
    try {
      getPreset('nope');
    } catch (err) {
      expect((err as LbeError).code).toBe('LBE_SPEC_PRESET_NOT_FOUND');
    }
  });
});

describe('examples/', () => {
  const files = readdirSync(EXAMPLES_DIR).filter((f) => /\.(ya?ml|json)$/.test(f));

  it('holds the newcomer examples', () => {
    expect(files).toEqual(
      expect.arrayContaining(['debian-web-server.yaml', 'debian-minimal.yaml', 'debian-live-iso.yaml']),
    );
  });

  it.each(files)('%s validates with no errors and no warnings', async (file) => {
    const { warnings } = await loadSpecFile(join(EXAMPLES_DIR, file));
    expect(warnings).toEqual([]);
  });

  it('debian-web-server.yaml has what it promises', async () => {
    const { spec } = await loadSpecFile(join(EXAMPLES_DIR, 'debian-web-server.yaml'));
    expect(spec.release).toBe('bookworm');
    expect(spec.packages.map((p) => p.name)).toContain('nginx');
    expect(spec.users[0]?.sudo).toBe(true);
    expect(spec.users[0]?.sshAuthorizedKeys).toHaveLength(1);
    expect(spec.securityFeatures.firewall?.rules.map((r) => r.port)).toEqual([22, 80, 443]);
    expect(spec.securityFeatures.ssh?.fail2ban).toBe(true);
    expect(spec.files.map((f) => f.path)).toContain('/var/www/html/index.html');
    expect(spec.outputs).toMatchObject({ docker: true, rootfs: true });
  });

  it('debian-live-iso.yaml builds an ISO with an /etc/issue marker', async () => {
    const { spec } = await loadSpecFile(join(EXAMPLES_DIR, 'debian-live-iso.yaml'));
    expect(spec.outputs.iso).toBe(true);
    expect(spec.hostname).toBeDefined();
    expect(spec.files.find((f) => f.path === '/etc/issue')?.content).toContain('LBE');
  });
});

describe('docs/buildspec.md', () => {
  it('its full example validates with no warnings', async () => {
    const doc = await readFile(fileURLToPath(new URL('../../../docs/buildspec.md', import.meta.url)), 'utf8');
    const full = /```yaml\n(name: web-and-desk[\s\S]*?)```/.exec(doc)?.[1];
    expect(full).toBeDefined();
    const r = validateSpec(parseSpecText(full ?? '', 'full.yaml'));
    expect(r.ok ? r.warnings : r.errors).toEqual([]);
  });
});
