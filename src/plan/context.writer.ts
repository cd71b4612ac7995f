import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isPathWithinDir } from '../spec/sanitizer.js';
import type { BuildPlan } from './plan.types.js';

/**
 * Writes a plan's build context into `dir` (which must exist): `Dockerfile` plus every context file at its
 * `contextPath`, base64 content decoded, with the file's `mode` (COPY carries it into the image). Returns the
 * paths written, relative to `dir`. Refuses (throws) a contextPath that would leave `dir`.
 * Owners are not applied here: the configure script installs files with their owner.
 */
export async function writePlanContext(plan: BuildPlan, dir: string): Promise<string[]> {
  const root = resolve(dir);
  const written: string[] = [];
  await writeFile(join(root, 'Dockerfile'), plan.dockerfile);
  written.push('Dockerfile');
  for (const file of plan.files) {
    const target = join(root, file.contextPath);
    if (!isPathWithinDir(root, target) || file.contextPath.split('/').includes('..')) {
      throw new Error(`context path escapes the context directory: ${file.contextPath}`);
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : file.content);
    await chmod(target, Number.parseInt(file.mode, 8));
    written.push(file.contextPath);
  }
  return written;
}
