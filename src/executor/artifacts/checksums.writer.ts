import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `SHA256SUMS` in the format `sha256sum -c` reads: `<64 hex><space><space><name>\n`, one line per file,
 * sorted by name (byte order). Names are relative to the artifact directory and must not contain newlines
 * or backslashes (ours never do; such a name is refused rather than escaped).
 */
export const SHA256SUMS = 'SHA256SUMS';

export interface FileDigest {
  readonly name: string;
  readonly sha256: string;
}

export function formatSha256Sums(entries: readonly FileDigest[]): string {
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => {
      if (!/^[0-9a-f]{64}$/.test(e.sha256)) throw new Error(`not a sha256: ${e.sha256}`);
      if (/[\n\\]/.test(e.name))
        throw new Error(`unsupported file name in SHA256SUMS: ${JSON.stringify(e.name)}`);
      return `${e.sha256}  ${e.name}\n`;
    })
    .join('');
}

/** Streams a file through sha256; hex digest. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hashes `names` inside `dir` and writes `dir/SHA256SUMS`; returns the digests. */
export async function writeSha256Sums(dir: string, names: readonly string[]): Promise<FileDigest[]> {
  const entries: FileDigest[] = [];
  for (const name of names) entries.push({ name, sha256: await sha256File(join(dir, name)) });
  await writeFile(join(dir, SHA256SUMS), formatSha256Sums(entries));
  return entries;
}
