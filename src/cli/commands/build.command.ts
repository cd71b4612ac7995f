import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runBuildOptionsFromConfig } from '../../app/build-options.js';
import { useProcessScratch } from '../../app/processes.js';
import { loadConfig, type Config } from '../../config/index.js';
import { LbeError, isLbeError } from '../../errors/index.js';
import {
  createBuilder,
  runBuild,
  NodeProcessRunner,
  type BuildProgress,
  type BuildResult,
} from '../../executor/index.js';
import { plan, type BuildPlan } from '../../plan/index.js';
import { parseSpecText, readSpecFile, validateSpec, type NormalizedSpec } from '../../spec/index.js';
import { CliExit, EXIT_CODES, formatIssueLine, printJson, printLine } from '../cli-output.js';

interface BuildCommandOptions {
  readonly out: string;
  readonly backend?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/**
 * `lbe build <spec> --out DIR [--backend auto|buildah|docker] [--force] [--json]`: validates the spec, plans it
 * and runs the build, writing the artifacts (image.tar, sbom.spdx.json, manifest.json, SHA256SUMS, build.log,
 * rootfs.tar.zst / live.iso when asked) to DIR.
 * People: on a TTY one live line `stage  pct%  elapsed` (rewritten with `\r`), otherwise one line per step;
 * tool output goes to DIR/build.log. `--json`: one document on stdout at the end
 * `{ ok, buildKey, cached, imageTag, imageId, outDir, artifacts, stages, durationMs }` or `{ ok: false, error }`.
 * Exit codes: 0 built (or reused), 2 invalid spec / unreadable file, 1 the build failed — stderr names the
 * failing stage and the tool's last output lines.
 * Configuration (limits, mirror, cache dir, backend, registry) comes from the environment (src/config).
 */
export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description('build a spec into real artifacts (OCI image, rootfs, SBOM, checksums)')
    .argument('<spec>', 'spec file (.json, .yaml or .yml)')
    .requiredOption('-o, --out <dir>', 'artifact directory')
    .option('--backend <kind>', 'auto | buildah | docker (default: BUILD_BACKEND, then auto)')
    .option('--force', 'rebuild even when an identical build is cached')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (file: string, options: BuildCommandOptions) => {
      await buildCommand(file, options);
    });
}

async function buildCommand(file: string, options: BuildCommandOptions): Promise<void> {
  const config = loadConfig();
  let spec: NormalizedSpec;
  try {
    const validation = validateSpec(parseSpecText(await readSpecFile(file), file));
    for (const w of validation.warnings) printLine(process.stderr, `warning: ${formatIssueLine(w)}`);
    if (!validation.ok) {
      if (options.json === true) printJson({ ok: false, errors: validation.errors });
      else for (const e of validation.errors) printLine(process.stderr, formatIssueLine(e));
      throw new CliExit(EXIT_CODES.invalidInput);
    }
    spec = validation.spec;
  } catch (err) {
    if (isLbeError(err) && err.isUserError) {
      if (options.json === true) printJson({ ok: false, error: { code: err.code, message: err.message } });
      else printLine(process.stderr, `error: ${err.message}`);
      throw new CliExit(EXIT_CODES.invalidInput);
    }
    throw err;
  }

  const backend = options.backend ?? config.BUILD_BACKEND;
  if (backend !== 'auto' && backend !== 'buildah' && backend !== 'docker') {
    printLine(process.stderr, `error: --backend must be auto, buildah or docker, not ${backend}`);
    throw new CliExit(EXIT_CODES.invalidInput);
  }
  // Temp dirs in this process's own scratch dir: a killed `lbe build` leaves them to the next lbe process.
  const releaseScratch = await useProcessScratch((dirs) => {
    printLine(process.stderr, `removed the temp dirs of lbe processes that are gone: ${dirs.join(' ')}`);
  });
  try {
    await buildPlanned(plan(spec), backend, config, options);
  } finally {
    await releaseScratch();
  }
}

async function buildPlanned(
  buildPlan: BuildPlan,
  backend: 'auto' | 'buildah' | 'docker',
  config: Config,
  options: BuildCommandOptions,
): Promise<void> {
  const runner = new NodeProcessRunner();
  const builder = await createBuilder(backend, {
    runner,
    cacheDir: config.cacheDir,
    ...(config.DOCKER_HOST === undefined ? {} : { dockerHost: config.DOCKER_HOST }),
  });
  const controller = new AbortController();
  const onSignal = (): void => {
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  const tty = process.stderr.isTTY && options.json !== true;
  const report = (p: BuildProgress): void => {
    const line = `${p.step.padEnd(10)} ${String(p.pct).padStart(3)}%  ${((Date.now() - started) / 1000).toFixed(0)}s`;
    if (tty) process.stderr.write(`\r${line}   `);
    else if (options.json !== true) printLine(process.stderr, line);
  };
  const outDir = resolve(options.out);
  let result: BuildResult;
  try {
    result = await runBuild(buildPlan, {
      ...runBuildOptionsFromConfig(config, runner, buildPlan.imageTag),
      outDir,
      builder,
      runner,
      signal: controller.signal,
      onProgress: report,
      force: options.force === true,
    });
  } catch (err) {
    if (tty) process.stderr.write('\n');
    const e = isLbeError(err)
      ? err
      : new LbeError('LBE_BUILD_STEP_FAILED', err instanceof Error ? err.message : String(err));
    const stage = typeof e.details.stage === 'string' ? e.details.stage : 'unknown';
    const tail = Array.isArray(e.details.tail) ? (e.details.tail as string[]).slice(-15) : [];
    if (options.json === true) {
      printJson({
        ok: false,
        error: { code: e.code, message: e.message, stage, tail },
        log: `${outDir}/build.log`,
      });
    } else {
      printLine(process.stderr, `error: [${e.code}] build failed in stage ${stage}: ${e.message}`);
      for (const line of tail) printLine(process.stderr, `  | ${line}`);
      printLine(process.stderr, `full log: ${outDir}/build.log`);
    }
    throw new CliExit(EXIT_CODES.failure);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  if (tty) process.stderr.write('\n');
  if (options.json === true) {
    printJson({
      ok: true,
      buildKey: result.buildKey,
      cached: result.cached,
      imageTag: result.imageTag,
      imageId: result.imageId,
      outDir: result.outDir,
      artifacts: result.artifacts,
      stages: result.stages,
      durationMs: result.durationMs,
    });
    return;
  }
  printLine(
    process.stdout,
    `built ${result.imageTag}${result.cached ? ' (cached)' : ''} in ${(result.durationMs / 1000).toFixed(1)}s → ${outDir}`,
  );
  for (const s of result.stages) {
    printLine(
      process.stdout,
      `  ${s.name.padEnd(10)} ${s.cacheHit ? 'cache hit' : `${(s.durationMs / 1000).toFixed(1)}s`}`,
    );
  }
}
