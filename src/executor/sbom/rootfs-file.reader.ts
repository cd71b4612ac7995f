import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

const MAX_SYMLINK_HOPS = 40;

/**
 * Resolves `relPath` inside `rootfsDir` the way a chroot would: absolute symlinks restart at the rootfs,
 * `..` never climbs above it. Contract: the returned path always lies inside `rootfsDir`, so a built image
 * whose `var/lib/dpkg/status` is a symlink to `/etc/shadow` makes us read the image's file, never the
 * host's. Returns undefined when a component is missing or the link chain is longer than 40 hops.
 */
export async function resolveInRootfs(rootfsDir: string, relPath: string): Promise<string | undefined> {
  const root = path.resolve(rootfsDir);
  const pending = relPath.split('/').filter((c) => c !== '' && c !== '.');
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const component = pending.shift() ?? '';
    if (component === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(root, ...resolved, component);
    let stat;
    try {
      stat = await lstat(candidate);
    } catch {
      return undefined;
    }
    if (!stat.isSymbolicLink()) {
      resolved.push(component);
      continue;
    }
    hops += 1;
    if (hops > MAX_SYMLINK_HOPS) return undefined;
    const target = await readlink(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
  }
  return path.join(root, ...resolved);
}

/** Reads a text file of the rootfs (see resolveInRootfs); undefined when it does not exist or is not a file. */
export async function readRootfsText(rootfsDir: string, relPath: string): Promise<string | undefined> {
  const file = await resolveInRootfs(rootfsDir, relPath);
  if (file === undefined) return undefined;
  try {
    const stat = await lstat(file);
    if (!stat.isFile()) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether `relPath` is a directory of the rootfs that contains at least one entry named in `markers`. */
export async function rootfsDirHasAny(
  rootfsDir: string,
  relPath: string,
  markers: readonly string[],
): Promise<string | undefined> {
  const dir = await resolveInRootfs(rootfsDir, relPath);
  if (dir === undefined) return undefined;
  for (const marker of markers) {
    try {
      await lstat(path.join(dir, marker));
      return dir;
    } catch {
      // try the next marker
    }
  }
  return undefined;
}
