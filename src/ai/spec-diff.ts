/** One change between two specs, at JSON-path level (`users[0].sudo`, `packages[2]`, `` for the root). */
export interface SpecChange {
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  /** Absent for `added`. */
  readonly old?: unknown;
  /** Absent for `removed`. */
  readonly new?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? path === ''
      ? key
      : `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

function scalarKey(v: string | number | boolean | null): string {
  return `${typeof v}:${String(v)}`;
}

/**
 * Compares two JSON values and lists what changed, deterministically:
 * - objects: keys in sorted order; a key only in `after` is `added`, only in `before` is `removed`;
 * - arrays of scalars (package names, ports, groups) are compared as lists of values: items that left are
 *   `removed` at their old index, items that arrived are `added` at their new index, so inserting one
 *   package reports one change, not a shifted list;
 * - other arrays (users, files, rules) are compared index by index, recursing into objects;
 * - anything else that differs (including a type change) is `changed` with old and new.
 * `before` undefined (the first turn) is treated as `{}`. Pure.
 */
export function diffSpecs(before: unknown, after: unknown): SpecChange[] {
  const out: SpecChange[] = [];
  walk(before === undefined ? {} : before, after, '', out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: SpecChange[]): void {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const p = child(path, key);
      if (!(key in b) || b[key] === undefined) {
        if (key in a && a[key] !== undefined) out.push({ path: p, kind: 'removed', old: a[key] });
      } else if (!(key in a) || a[key] === undefined) {
        out.push({ path: p, kind: 'added', new: b[key] });
      } else {
        walk(a[key], b[key], p, out);
      }
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every(isScalar) && b.every(isScalar)) {
      diffScalarLists(a, b, path, out);
      return;
    }
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const p = child(path, i);
      if (i >= b.length) out.push({ path: p, kind: 'removed', old: a[i] });
      else if (i >= a.length) out.push({ path: p, kind: 'added', new: b[i] });
      else walk(a[i], b[i], p, out);
    }
    return;
  }
  if (!deepEqual(a, b)) out.push({ path, kind: 'changed', old: a, new: b });
}

function diffScalarLists(
  a: readonly (string | number | boolean | null)[],
  b: readonly (string | number | boolean | null)[],
  path: string,
  out: SpecChange[],
): void {
  const count = (list: readonly (string | number | boolean | null)[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const v of list) m.set(scalarKey(v), (m.get(scalarKey(v)) ?? 0) + 1);
    return m;
  };
  const inB = count(b);
  const inA = count(a);
  a.forEach((v, i) => {
    const k = scalarKey(v);
    const left = inB.get(k) ?? 0;
    if (left > 0) inB.set(k, left - 1);
    else out.push({ path: child(path, i), kind: 'removed', old: v });
  });
  b.forEach((v, i) => {
    const k = scalarKey(v);
    const left = inA.get(k) ?? 0;
    if (left > 0) inA.set(k, left - 1);
    else out.push({ path: child(path, i), kind: 'added', new: v });
  });
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
