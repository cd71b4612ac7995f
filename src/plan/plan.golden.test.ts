import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BASES, validateSpec } from '../spec/index.js';
import { plan } from './plan.service.js';
import type { BuildPlan } from './plan.types.js';

/**
 * Golden files: for every base × spec of test/golden/specs, the plan's Dockerfile, every context file
 * (at its contextPath, base64 decoded) and a summary (packages, services, warnings, stages, hash) are
 * compared byte for byte with test/golden/<base>-<spec>/. `UPDATE_GOLDEN=1` rewrites them.
 */
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '../../test/golden');
const SPECS = ['minimal', 'web-server', 'backup-users-files'] as const;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function rendered(p: BuildPlan): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  out.set('Dockerfile', Buffer.from(p.dockerfile));
  for (const f of p.files) {
    out.set(
      f.contextPath,
      f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : Buffer.from(f.content),
    );
  }
  const summary = {
    family: p.family,
    base: p.base,
    packages: p.packages,
    services: p.services,
    kernelParams: p.kernelParams,
    stageOrder: p.stageOrder,
    stages: p.stages.map((s) => ({ name: s.name, network: s.network, limited: s.limited })),
    files: p.files.map((f) => `${f.mode} ${f.owner} ${f.contextPath} ← ${f.origin}`),
    warnings: p.warnings,
    imageTag: p.imageTag,
    hash: p.hash,
  };
  out.set('plan-summary.json', Buffer.from(`${JSON.stringify(summary, null, 2)}\n`));
  return out;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('golden plans', () => {
  for (const base of BASES) {
    for (const name of SPECS) {
      it(`${base}-${name}`, () => {
        const raw = JSON.parse(readFileSync(join(GOLDEN, 'specs', `${name}.json`), 'utf8')) as object;
        const validation = validateSpec({ ...raw, base });
        if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
        const files = rendered(plan(validation.spec));
        const dir = join(GOLDEN, `${base}-${name}`);
        if (UPDATE) {
          rmSync(dir, { recursive: true, force: true });
          for (const [path, content] of files) {
            mkdirSync(dirname(join(dir, path)), { recursive: true });
            writeFileSync(join(dir, path), content);
          }
        }
        expect(listFiles(dir)).toEqual([...files.keys()].sort());
        for (const [path, content] of files) {
          expect(readFileSync(join(dir, path)).toString('latin1'), path).toBe(content.toString('latin1'));
        }
      });
    }
  }
});
