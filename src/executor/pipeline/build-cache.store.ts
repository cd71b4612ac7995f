import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The build-key cache: `${cacheDir}/builds/<key>/` holds the artifacts of one successful build plus a
 * `complete` marker written last (the directory is filled under a temp name and renamed, so a half-written
 * entry is never visible). Contract: `lookup` answers only complete entries; `materialize` hard-links (or
 * copies, across filesystems) every cached file into `outDir`, replacing files of the same name; `save`
 * replaces an existing entry for the key. Cached files are never modified in place (hard links share bytes).
 */
export interface CachedBuild {
  readonly key: string;
  readonly dir: string;
  readonly files: readonly string[];
}

const MARKER = 'complete';

export class BuildCacheStore {
  constructor(private readonly root: string) {}

  static under(cacheDir: string): BuildCacheStore {
    return new BuildCacheStore(join(cacheDir, 'builds'));
  }

  async lookup(key: string): Promise<CachedBuild | undefined> {
    const dir = join(this.root, key);
    try {
      const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as { files?: unknown };
      if (!Array.isArray(marker.files)) return undefined;
      const files = marker.files.filter((f): f is string => typeof f === 'string');
      for (const f of files) await stat(join(dir, f));
      return { key, dir, files };
    } catch {
      return undefined;
    }
  }

  async materialize(entry: CachedBuild, outDir: string): Promise<void> {
    await mkdir(outDir, { recursive: true });
    for (const f of entry.files) await linkOrCopy(join(entry.dir, f), join(outDir, f));
  }

  async save(key: string, fromDir: string, files: readonly string[]): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const partial = join(this.root, `.${key}.partial-${process.pid}-${Date.now().toString(36)}`);
    try {
      await mkdir(partial);
      for (const f of files) await linkOrCopy(join(fromDir, f), join(partial, f));
      await writeFile(join(partial, MARKER), JSON.stringify({ files: [...files] }));
      const dir = join(this.root, key);
      await rm(dir, { recursive: true, force: true });
      await rename(partial, dir);
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }

  async remove(key: string): Promise<void> {
    await rm(join(this.root, key), { recursive: true, force: true });
  }

  /** Keys of complete entries (for cleanup tools). */
  async keys(): Promise<string[]> {
    try {
      return (await readdir(this.root)).filter((n) => !n.startsWith('.'));
    } catch {
      return [];
    }
  }
}

async function linkOrCopy(src: string, dest: string): Promise<void> {
  await rm(dest, { force: true });
  try {
    await link(src, dest);
  } catch {
    await copyFile(src, dest);
  }
}
