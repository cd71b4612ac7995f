import type { Base, InitSystem, ParsedBuildSpec } from './spec.schema.js';

/** Release used when the spec names none. */
export const DEFAULT_RELEASE: Readonly<Record<Base, string>> = {
  debian: 'bookworm',
  ubuntu: 'noble',
  alpine: '3.20',
  arch: 'latest',
  fedora: '40',
  opensuse: 'tumbleweed',
  void: 'latest',
  gentoo: 'latest',
};

/** Init system used when the spec names none: the one each base ships with. */
export const DEFAULT_INIT: Readonly<Record<Base, InitSystem>> = {
  debian: 'systemd',
  ubuntu: 'systemd',
  alpine: 'openrc',
  arch: 'systemd',
  fedora: 'systemd',
  opensuse: 'systemd',
  void: 'runit',
  gentoo: 'openrc',
};

/** A package as the user asked for it: abstract or distro name, optional version pin, the group it came from. */
export interface PackageRequest {
  readonly name: string;
  readonly version?: string;
  readonly group?: string;
}

/** The spec after every default is applied: what `plan()` consumes. */
export type NormalizedSpec = Omit<ParsedBuildSpec, 'packages' | 'release' | 'init'> & {
  readonly release: string;
  readonly init: InitSystem;
  /** Flattened and de-duplicated (first occurrence wins), in the user's order. */
  readonly packages: readonly PackageRequest[];
  /** `name` made safe for image tags and file names: lowercase a-z0-9 and single hyphens. */
  readonly slug: string;
};

export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return slug === '' ? 'system' : slug;
}

function splitPin(entry: string): { name: string; version?: string } {
  const eq = entry.indexOf('=');
  return eq === -1 ? { name: entry } : { name: entry.slice(0, eq), version: entry.slice(eq + 1) };
}

/**
 * Flattens the three `packages` forms. The map form keeps every name whose value is `true` and drops
 * those set to `false`.
 */
export function flattenPackages(packages: ParsedBuildSpec['packages']): PackageRequest[] {
  const out: PackageRequest[] = [];
  const seen = new Set<string>();
  const add = (entry: string, group?: string): void => {
    const { name, version } = splitPin(entry);
    if (seen.has(name)) return;
    seen.add(name);
    out.push({
      name,
      ...(version === undefined ? {} : { version }),
      ...(group === undefined ? {} : { group }),
    });
  };
  if (Array.isArray(packages)) {
    for (const p of packages) add(p);
    return out;
  }
  for (const [key, value] of Object.entries(packages)) {
    if (Array.isArray(value)) for (const p of value as string[]) add(p, key);
    else if (value === true) add(key);
  }
  return out;
}

export function normalizeSpec(parsed: ParsedBuildSpec): NormalizedSpec {
  return {
    ...parsed,
    release: parsed.release ?? DEFAULT_RELEASE[parsed.base],
    init: parsed.init ?? DEFAULT_INIT[parsed.base],
    packages: flattenPackages(parsed.packages),
    slug: slugify(parsed.name),
  };
}
