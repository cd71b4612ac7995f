import { isAbsolute, relative, resolve, sep } from 'node:path';
import { LbeError } from '../errors/index.js';

/**
 * Resolves an artifact's stored relative path (`<buildId>/<file>`) under the artifacts directory.
 * Contract: the result is always inside `artifactsDir`; a path that is absolute, contains a NUL byte or
 * escapes the directory (`..`, symlink-free check on the string) throws LBE_ARTIFACT_NOT_FOUND — callers
 * never learn why, and no server path appears in the message.
 */
export function resolveArtifactFile(artifactsDir: string, relativePath: string): string {
  const root = resolve(artifactsDir);
  if (relativePath === '' || relativePath.includes('\0') || isAbsolute(relativePath)) {
    throw new LbeError('LBE_ARTIFACT_NOT_FOUND');
  }
  const full = resolve(root, relativePath);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new LbeError('LBE_ARTIFACT_NOT_FOUND');
  }
  return full;
}

/** The directory of one build's artifacts, `${artifactsDir}/<buildId>` (absolute). */
export function buildArtifactsDir(artifactsDir: string, buildId: string): string {
  return resolveArtifactFile(artifactsDir, buildId);
}
