import { createHash } from 'node:crypto';
import type { ContextFile, RecipeStage } from '../../plan/plan.types.js';
import { contextFileBytes } from '../context/build-context.writer.js';

/**
 * Content addresses of builds and stages. Contract: equal inputs → equal keys, across processes and hosts;
 * every input that changes the output changes the key.
 *   build key = sha256(plan.hash, base image id, engine version)      → `${cacheDir}/builds/<key>/`
 *   stage key = sha256(previous image id, stage name, network, SOURCE_DATE_EPOCH, instructions,
 *               the bytes + mode + owner of each context file the stage COPYs)  → `localhost/lbe-cache/stage:<key>`
 * A stage key does not depend on later stages, so changing a postInstall script (scripts stage) keeps the
 * packages stage's key, and its image, valid.
 */

/** Bumped when the executor changes what it produces for the same plan (layout, flags, artifacts). */
export const ENGINE_VERSION = 'lbe-executor-1';

export function buildKey(planHash: string, baseImageId: string, engineVersion = ENGINE_VERSION): string {
  return sha256Json(['build', planHash, baseImageId, engineVersion]);
}

export function stageKey(
  previousImageId: string,
  stage: RecipeStage,
  files: readonly ContextFile[],
  sourceDateEpoch: number,
): string {
  const byPath = new Map(files.map((f) => [f.contextPath, f]));
  const inputs = [...stage.contextFiles].sort().map((path) => {
    const file = byPath.get(path);
    if (file === undefined) return [path, 'missing'];
    const digest = createHash('sha256').update(contextFileBytes(file)).digest('hex');
    return [path, digest, file.mode, file.owner, file.imagePath ?? ''];
  });
  return sha256Json([
    'stage',
    previousImageId,
    stage.name,
    stage.network,
    sourceDateEpoch,
    stage.instructions,
    inputs,
  ]);
}

export function stageCacheTag(key: string): string {
  return `localhost/lbe-cache/stage:${key}`;
}

function sha256Json(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
