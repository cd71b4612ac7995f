import { parseDeb822 } from './deb822.parser.js';
import type { InstalledPackage } from './installed-package.types.js';

/**
 * Reads the text of `var/lib/dpkg/status` into installed packages. Contract: only paragraphs whose
 * `Status` is exactly `install ok installed` count (removed packages keep `deinstall ok config-files`
 * paragraphs; half-installed ones are not installed). `Source: name (version)` yields the name only.
 * Paragraphs without Package or Version are skipped.
 */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const p of parseDeb822(text)) {
    const status = (p.get('status') ?? '').split(/\s+/).join(' ');
    const name = p.get('package');
    const version = p.get('version');
    if (status !== 'install ok installed' || name === undefined || version === undefined) continue;
    const source = p.get('source')?.split(/\s+/)[0];
    const maintainer = p.get('maintainer');
    packages.push({
      manager: 'deb',
      name,
      version,
      arch: p.get('architecture') ?? 'unknown',
      ...(maintainer === undefined || maintainer === '' ? {} : { maintainer }),
      ...(source === undefined || source === '' ? {} : { source }),
    });
  }
  return packages;
}
