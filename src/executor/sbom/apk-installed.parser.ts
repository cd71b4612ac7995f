import type { InstalledPackage } from './installed-package.types.js';

/**
 * Reads the text of Alpine's `lib/apk/db/installed` into installed packages. Contract: records are
 * separated by blank lines; each line is `<letter>:<value>`, letters are case-sensitive
 * (`P` name, `V` version, `A` arch, `L` license, `o` origin, `m` maintainer; file lines `F`/`R`/`a`/`Z`
 * are ignored). Records without P or V are skipped.
 */
export function parseApkInstalled(text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  let fields = new Map<string, string>();

  const close = (): void => {
    const name = fields.get('P');
    const version = fields.get('V');
    if (name !== undefined && version !== undefined) {
      const maintainer = fields.get('m');
      const source = fields.get('o');
      const license = fields.get('L');
      packages.push({
        manager: 'apk',
        name,
        version,
        arch: fields.get('A') ?? 'unknown',
        ...(maintainer === undefined ? {} : { maintainer }),
        ...(source === undefined ? {} : { source }),
        ...(license === undefined ? {} : { license }),
      });
    }
    fields = new Map();
  };

  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      close();
      continue;
    }
    if (line.length < 2 || line[1] !== ':') continue;
    const key = line[0] ?? '';
    // First occurrence wins: package fields come before the per-file lines.
    if (!fields.has(key)) fields.set(key, line.slice(2));
  }
  close();
  return packages;
}
