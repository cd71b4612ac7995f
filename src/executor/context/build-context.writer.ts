import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { LbeError } from '../../errors/index.js';
import type { ContextFile } from '../../plan/plan.types.js';

/**
 * Writes the plan's context files under `contextDir` (which the caller created empty and owns).
 * Contract: each file lands at `contextDir/<contextPath>` with its decoded bytes and octal `mode`; a
 * `contextPath` that is absolute or escapes the directory is refused (LBE_BUILD_STEP_FAILED) — the plan
 * guarantees it never happens, this is the second lock. Ownership inside the image is the Dockerfile's job
 * (`COPY --chown`), not the host file's.
 */
export async function writeBuildContext(files: readonly ContextFile[], contextDir: string): Promise<void> {
  for (const file of files) {
    const target = contextFilePath(contextDir, file.contextPath);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contextFileBytes(file));
    await chmod(target, parseMode(file.mode));
  }
}

/** The bytes of a context file: utf8 text, or the decoded base64 payload. */
export function contextFileBytes(file: Pick<ContextFile, 'content' | 'encoding'>): Buffer {
  return file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : Buffer.from(file.content, 'utf8');
}

/** `contextDir/<rel>`, refusing absolute paths and `..` segments. */
export function contextFilePath(contextDir: string, rel: string): string {
  const clean = normalize(rel);
  if (rel.startsWith('/') || clean.split(sep).includes('..') || clean === '.' || clean === '') {
    throw new LbeError(
      'LBE_BUILD_STEP_FAILED',
      `context path ${JSON.stringify(rel)} leaves the build context`,
    );
  }
  return join(contextDir, clean);
}

/** `0644` / `644` / `0o755` → a number; unparsable modes are an error. */
export function parseMode(mode: string): number {
  const digits = mode.replace(/^0o/, '');
  if (!/^[0-7]{3,4}$/.test(digits)) {
    throw new LbeError('LBE_BUILD_STEP_FAILED', `file mode ${JSON.stringify(mode)} is not octal`);
  }
  return Number.parseInt(digits, 8);
}
