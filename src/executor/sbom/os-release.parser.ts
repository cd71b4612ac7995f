import type { DistroInfo } from './installed-package.types.js';

/**
 * Parses `os-release` (freedesktop.org format: `KEY=value`, values optionally in single or double quotes
 * with backslash escapes in double quotes; `#` comments). Returns every variable.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(["\\`$])/g, '$1');
    } else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1);
    }
    vars.set(key, value);
  }
  return vars;
}

/** `ID` and `VERSION_ID` of an os-release file; undefined when ID is missing. VERSION_ID may be empty (rolling). */
export function distroFromOsRelease(text: string): DistroInfo | undefined {
  const vars = parseOsRelease(text);
  const id = vars.get('ID');
  if (id === undefined || id === '') return undefined;
  return { id, versionId: vars.get('VERSION_ID') ?? '' };
}
