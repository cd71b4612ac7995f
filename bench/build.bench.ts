/**
 * Build benchmark (not a test): `npm run bench:build [-- [--skip-floor] spec.yaml]` (default
 * examples/debian-web-server.yaml; `--skip-floor` leaves out the slow floor measurement and its ratio).
 *   floor     mmdebstrap of the same package set by hand (minbase + packages in one run) — what a build
 *             can hardly beat;
 *   cold      runBuild with empty stage caches and no build-key cache (the bootstrapped base is kept: it is
 *             per distro/release/mirror, not per spec);
 *   script    rebuild after changing only a postInstall script (packages and configure stages reused);
 *   repeat    the identical spec again (build-key cache);
 *   rebuild   a second cold build (stage caches cleared again, `force`), whose layer digests are compared
 *             with the first cold build's: the reproducibility check.
 * Targets: cold ≤ 1.3 × floor, script ≤ 0.3 × cold, repeat < 1 s.
 * It clears stage caches, so it uses its own cache dir ($TMPDIR/lbe-bench-cache), seeded with the base tarball
 * of the engine's default cache dir when one is there (no second bootstrap).
 */
import { link, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultCacheDir } from '../src/config/index.js';
import { bootstrapTarballPath, ensureBaseImage } from '../src/executor/base/base-image.service.js';
import { runBuild, type BuildResult } from '../src/executor/build.pipeline.js';
import { BuildahBuilder, buildahStorageFor } from '../src/executor/buildah/buildah.builder.js';
import { NodeProcessRunner } from '../src/executor/process/process-runner.js';
import { plan } from '../src/plan/index.js';
import { parseSpecText, readSpecFile, validateSpec } from '../src/spec/index.js';

const cliArgs = process.argv.slice(2);
const skipFloor = cliArgs.includes('--skip-floor');
const specFile = cliArgs.find((a) => !a.startsWith('--')) ?? 'examples/debian-web-server.yaml';
const raw = parseSpecText(await readSpecFile(specFile), specFile) as Record<string, unknown>;
const planFor = (script: string) => {
  const validation = validateSpec({ ...raw, postInstall: { scripts: [script] } });
  if (!validation.ok) throw new Error(`invalid spec ${specFile}: ${JSON.stringify(validation.errors)}`);
  return plan(validation.spec);
};
const first = planFor('echo one > /etc/bench');
const packages = [...first.packages.install];

const cacheDir = join(tmpdir(), 'lbe-bench-cache');
const runner = new NodeProcessRunner();
const storage = buildahStorageFor(cacheDir);
const builder = new BuildahBuilder({ runner, storage });
const work = await mkdtemp(join(tmpdir(), 'lbe-bench-'));
const limits = { memory: '2g', cpus: 2, pids: 200, timeoutMs: 30 * 60_000 };
const options = (out: string, force = false) => ({
  outDir: join(work, out),
  builder,
  runner,
  cacheDir,
  limits,
  force,
});
const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t0 = performance.now();
  const value = await fn();
  return [(performance.now() - t0) / 1000, value];
};

/** Removes every stage-cache image and the build-key cache: the next build of any spec is cold. */
const clearCaches = async (): Promise<void> => {
  await rm(join(cacheDir, 'builds'), { recursive: true, force: true });
  const images = await runner.run('buildah', [
    '--root',
    storage.root,
    '--runroot',
    storage.runroot,
    'images',
    '--format',
    '{{.Name}}:{{.Tag}}',
  ]);
  for (const ref of images.stdout.split('\n').filter((r) => r.startsWith('localhost/lbe-cache/'))) {
    await builder.removeImage(ref);
  }
};

const layersOf = async (result: BuildResult): Promise<string[]> => {
  const inspect = await runner.run('skopeo', [
    'inspect',
    `docker-archive:${join(result.outDir, 'image.tar')}`,
  ]);
  return (JSON.parse(inspect.stdout) as { Layers: string[] }).Layers;
};

try {
  // The base: seeded from the default cache dir's tarball if present, else bootstrapped once here.
  const seed = bootstrapTarballPath(defaultCacheDir(process.env), first.base);
  const target = bootstrapTarballPath(cacheDir, first.base);
  await mkdir(dirname(target), { recursive: true });
  if (!(await exists(target)) && (await exists(seed))) await link(seed, target);
  const [baseSeconds, base] = await time(() => ensureBaseImage(first.base, { builder, runner, cacheDir }));
  console.log(`base ${base.ref} (${base.source}, ${baseSeconds.toFixed(1)} s)`);
  await clearCaches();

  const [floor] = skipFloor
    ? [undefined]
    : await time(() =>
        runner.run('mmdebstrap', [
          '--mode=root',
          '--variant=minbase',
          '--quiet',
          `--include=${packages.join(',')}`,
          first.base.release,
          join(work, 'floor.tar'),
          first.base.mirror ?? 'http://deb.debian.org/debian',
        ]),
      );
  await rm(join(work, 'floor.tar'), { force: true });
  const [cold, coldResult] = await time(() => runBuild(first, options('cold')));
  const [script, scriptResult] = await time(() =>
    runBuild(planFor('echo two > /etc/bench'), options('script')),
  );
  const [repeat, repeatResult] = await time(() =>
    runBuild(planFor('echo two > /etc/bench'), options('repeat')),
  );
  await clearCaches();
  const [rebuild, rebuildResult] = await time(() => runBuild(first, options('rebuild', true)));

  const row = (name: string, s: number, note: string) => {
    console.log(`${name.padEnd(8)} ${s.toFixed(2).padStart(7)} s  ${note}`);
  };
  const stages = (r: BuildResult) =>
    r.stages
      .map((s) => `${s.name} ${(s.durationMs / 1000).toFixed(1)}s${s.cacheHit ? ' (hit)' : ''}`)
      .join(', ');
  const exportSteps = async (r: BuildResult) => {
    const log = await readFile(join(r.outDir, 'build.log'), 'utf8');
    return [...log.matchAll(/\[lbe\] export: (.+) in (\d+) ms$/gm)]
      .map((m) => `${m[1] ?? ''} ${(Number(m[2]) / 1000).toFixed(1)}s`)
      .join(', ');
  };
  console.log(`spec ${specFile}: ${packages.length} packages: ${packages.join(' ')}`);
  if (floor !== undefined) row('floor', floor, 'mmdebstrap --include (by hand)');
  const vsFloor =
    floor === undefined ? 'floor skipped' : `${(cold / floor).toFixed(2)} × floor (target ≤ 1.3)`;
  row('cold', cold, `${vsFloor}  [${stages(coldResult)}]`);
  row('script', script, `${(script / cold).toFixed(2)} × cold (target ≤ 0.3)  [${stages(scriptResult)}]`);
  row('repeat', repeat, `target < 1 s  (cached: ${String(repeatResult.cached)})`);
  row('rebuild', rebuild, `second cold build  [${stages(rebuildResult)}]`);
  for (const [name, r] of [
    ['cold', coldResult],
    ['script', scriptResult],
    ['rebuild', rebuildResult],
  ] as const) {
    console.log(`export of ${name.padEnd(7)}: ${await exportSteps(r)}`);
  }

  const [a, b] = [await layersOf(coldResult), await layersOf(rebuildResult)];
  const names = ['base', ...coldResult.stages.filter((s) => s.key !== undefined).map((s) => s.name)];
  console.log(
    `reproducible layers (cold vs rebuild): ${a.length === b.length && a.every((d, i) => d === b[i]) ? 'all identical' : 'DIFFER'}`,
  );
  a.forEach((digest, i) => {
    console.log(
      `  ${(names[i] ?? `layer ${i}`).padEnd(10)} ${digest === b[i] ? 'same     ' : 'DIFFERENT'} ${digest.slice(7, 19)} ${b[i]?.slice(7, 19) ?? '-'}`,
    );
  });
  const [sumsA, sumsB] = [await checksumsOf(coldResult), await checksumsOf(rebuildResult)];
  console.log('reproducible artifacts (cold vs rebuild, sha256):');
  for (const file of ['image.tar', 'rootfs.tar.zst', 'sbom.spdx.json', 'context.tar', 'Dockerfile']) {
    const [x, y] = [sumsA.get(file), sumsB.get(file)];
    if (x === undefined && y === undefined) continue;
    console.log(
      `  ${file.padEnd(15)} ${x === y ? 'same     ' : 'DIFFERENT'} ${x?.slice(0, 12) ?? '-'} ${y?.slice(0, 12) ?? '-'}`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

/** File name → sha256 from the build's SHA256SUMS. */
async function checksumsOf(result: BuildResult): Promise<Map<string, string>> {
  const text = await readFile(join(result.outDir, 'SHA256SUMS'), 'utf8');
  return new Map(
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [sha256 = '', name = ''] = l.split('  ');
        return [name, sha256] as const;
      }),
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
