import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LbeError, isLbeError } from '../../errors/index.js';
import type { BaseImagePlan } from '../../plan/plan.types.js';
import type { Builder, StreamOptions } from '../builder.types.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { MMDEBSTRAP, mmdebstrapArgs } from '../tools/mmdebstrap.tool.js';
import { runTool } from '../tools/tool.invocation.js';
import { isMirrorFailure } from '../tools/apt-output.classifier.js';

export interface BaseImage {
  /** Local reference the first stage builds FROM. */
  readonly ref: string;
  /** Image id (sha256 hex); part of the build key. */
  readonly imageId: string;
  /** How it was obtained this time. */
  readonly source: 'local' | 'pulled' | 'bootstrapped' | 'imported-cached-tarball';
  /** Registry reference or bootstrap description, for manifest.json. */
  readonly origin: string;
}

export interface EnsureBaseImageOptions extends StreamOptions {
  readonly builder: Builder;
  readonly runner: ProcessRunner;
  /** `${cacheDir}`: tarballs go to `${cacheDir}/bases/`. */
  readonly cacheDir: string;
  /** Time limit of one bootstrap (default 15 min). */
  readonly bootstrapTimeoutMs?: number;
  /** Skip the registry (e.g. when it is known to be unreachable); default false. */
  readonly skipPull?: boolean;
}

/**
 * Makes `plan.base` available as a local image, cheapest way first:
 *   1. a local image already imported from a bootstrap (`localhost/lbe-base/<distro>:<release>-<arch>-<key8>`)
 *      or pulled earlier (`reference`) → reuse;
 *   2. `pull(reference)` (fails fast when the registry is unreachable);
 *   3. bootstrap `mmdebstrap` → `${cacheDir}/bases/<distro>-<release>-<arch>-<key>.tar` (written to a temp file
 *      and renamed, so a cached tarball is always complete), then import it.
 * A cached tarball is reused even when the image store was wiped. `bootstrap: 'none'` with an unreachable
 * registry → LBE_BUILD_BASE_UNAVAILABLE naming the reference. An unreachable mirror during the bootstrap →
 * LBE_BUILD_MIRROR_UNREACHABLE (retryable).
 */
export async function ensureBaseImage(
  base: BaseImagePlan,
  options: EnsureBaseImageOptions,
): Promise<BaseImage> {
  const { builder } = options;
  const stream: StreamOptions = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
  };
  const localRef = bootstrapImageRef(base);
  if (base.bootstrap === 'mmdebstrap' && (await builder.imageExists(localRef))) {
    return {
      ref: localRef,
      imageId: await builder.imageId(localRef),
      source: 'local',
      origin: bootstrapOrigin(base),
    };
  }
  if (await builder.imageExists(base.reference)) {
    return {
      ref: base.reference,
      imageId: await builder.imageId(base.reference),
      source: 'local',
      origin: base.reference,
    };
  }
  if (options.skipPull !== true && (await builder.pull(base.reference, stream))) {
    return {
      ref: base.reference,
      imageId: await builder.imageId(base.reference),
      source: 'pulled',
      origin: base.reference,
    };
  }
  if (base.bootstrap === 'none' || base.mirror === undefined) {
    throw new LbeError(
      'LBE_BUILD_BASE_UNAVAILABLE',
      `The base image ${base.reference} could not be pulled and ${base.distro} ${base.release} cannot be bootstrapped on this host (no mmdebstrap recipe${base.mirror === undefined ? ' and no mirror' : ''})`,
      { details: { reference: base.reference, distro: base.distro, release: base.release } },
    );
  }
  const tarball = bootstrapTarballPath(options.cacheDir, base);
  let source: BaseImage['source'] = 'imported-cached-tarball';
  if (!(await isFile(tarball))) {
    await bootstrapTarball(base, tarball, options);
    source = 'bootstrapped';
  }
  const imageId = await builder.importRootfs(tarball, localRef, stream);
  return { ref: localRef, imageId, source, origin: bootstrapOrigin(base) };
}

/** The cache key of a bootstrap: distro, release, arch and the mirror's sha256 (first 16 hex). */
export function bootstrapKey(base: BaseImagePlan): string {
  const mirror = createHash('sha256')
    .update(base.mirror ?? '')
    .digest('hex')
    .slice(0, 16);
  return `${base.distro}-${base.release}-${base.architecture}-${mirror}`;
}

export function bootstrapTarballPath(cacheDir: string, base: BaseImagePlan): string {
  return join(cacheDir, 'bases', `${bootstrapKey(base)}.tar`);
}

export function bootstrapImageRef(base: BaseImagePlan): string {
  const key8 = createHash('sha256').update(bootstrapKey(base)).digest('hex').slice(0, 8);
  return `localhost/lbe-base/${base.distro}:${base.release}-${base.architecture}-${key8}`;
}

function bootstrapOrigin(base: BaseImagePlan): string {
  return `mmdebstrap --variant=minbase ${base.release} ${base.mirror ?? ''}`.trim();
}

async function bootstrapTarball(
  base: BaseImagePlan,
  tarball: string,
  options: EnsureBaseImageOptions,
): Promise<void> {
  await mkdir(join(options.cacheDir, 'bases'), { recursive: true });
  // mmdebstrap picks its output format from the name: it must end in `.tar`, or it writes a directory.
  const partial = `${tarball.replace(/\.tar$/, '')}.partial-${process.pid}-${Date.now().toString(36)}.tar`;
  try {
    await runTool(
      options.runner,
      MMDEBSTRAP,
      mmdebstrapArgs({
        release: base.release,
        architecture: base.architecture,
        outTar: partial,
        mirror: base.mirror ?? '',
      }),
      {
        timeoutMs: options.bootstrapTimeoutMs ?? 15 * 60_000,
        tailLines: 40,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
      },
    );
    // Only reached when no complete tarball is cached: clear a directory an older layout may have left.
    await rm(tarball, { recursive: true, force: true });
    await rename(partial, tarball);
  } catch (err) {
    if (isLbeError(err) && err.code === 'LBE_BUILD_STEP_FAILED') {
      const tail = Array.isArray(err.details.tail) ? (err.details.tail as string[]) : [];
      if (isMirrorFailure(tail)) {
        throw new LbeError(
          'LBE_BUILD_MIRROR_UNREACHABLE',
          `The mirror ${base.mirror ?? ''} could not be reached while bootstrapping ${base.distro} ${base.release}`,
          { details: { mirror: base.mirror, tail }, cause: err },
        );
      }
      throw new LbeError(
        'LBE_BUILD_BASE_UNAVAILABLE',
        `mmdebstrap could not bootstrap ${base.distro} ${base.release}: ${tail.slice(-5).join(' | ')}`,
        { details: { tail }, cause: err },
      );
    }
    throw err;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
