import type { z } from 'zod';
import { LbeError } from '../errors/index.js';
import { buildSpecSchema } from './spec.schema.js';
import { normalizeSpec, type NormalizedSpec } from './spec.normalize.js';
import { checkCompatibility } from './spec.rules.js';
import type { SpecIssue } from './spec-issue.js';

export type { SpecIssue } from './spec-issue.js';

export type SpecValidation =
  | { readonly ok: true; readonly spec: NormalizedSpec; readonly warnings: readonly SpecIssue[] }
  | { readonly ok: false; readonly errors: readonly SpecIssue[]; readonly warnings: readonly SpecIssue[] };

/** Renders a zod path as a JSON path: `users[0].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Turns zod issues into SpecIssues; for a union, reports the branch that got furthest. */
export function issuesFromZod(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0] ?? [];
      const nested = issuesFromZod(best, path);
      out.push(...(nested.length > 0 ? nested : [{ path: formatPath(path), message: issue.message }]));
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...path, key]),
          message: 'is not a known field (unknown keys are not allowed)',
        });
      }
      continue;
    }
    out.push({ path: formatPath(path), message: issue.message });
  }
  return out;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => (i.code === 'invalid_type' ? i.path.length - 0.5 : i.path.length)));
}

function isPlainRecord(v: unknown): v is Record<PropertyKey, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deletes the value at `path` (an object key or, for arrays, nothing: indices must not shift). */
function deleteAt(root: Record<PropertyKey, unknown>, path: readonly PropertyKey[]): void {
  let node: unknown = root;
  for (const seg of path.slice(0, -1)) {
    node =
      isPlainRecord(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  const last = path.at(-1);
  if (isPlainRecord(node) && last !== undefined && typeof last !== 'number')
    Reflect.deleteProperty(node, last);
}

/** Where a zod issue points, one entry per unknown key. */
function issuePaths(issue: z.core.$ZodIssue): PropertyKey[][] {
  return issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [[...issue.path]];
}

/**
 * The compatibility rules' findings for a spec that failed the schema, so every problem is reported at
 * once: the rules run on a copy with the invalid values removed (first the values themselves, then, if
 * that is still invalid, the whole top-level field). Findings at or under a removed value, or about a
 * sibling of a removed value (which may depend on it), are dropped; unknown keys never mean anything, so
 * their removal drops nothing. Nothing when `base` or `name` is invalid or the copy still fails.
 */
function rulesDespiteSchemaErrors(
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
): { errors: SpecIssue[]; warnings: SpecIssue[] } {
  const none = { errors: [], warnings: [] };
  if (!isPlainRecord(input)) return none;
  let copy: Record<PropertyKey, unknown>;
  try {
    copy = structuredClone(input);
  } catch {
    return none;
  }
  const removed: { path: string; parent: string }[] = [];
  const remove = (path: readonly PropertyKey[], meaningful: boolean): void => {
    deleteAt(copy, path);
    if (meaningful) removed.push({ path: formatPath(path), parent: formatPath(path.slice(0, -1)) });
  };
  for (const issue of issues) {
    for (const path of issuePaths(issue)) {
      if (path.length === 0 || path[0] === 'base' || path[0] === 'name') return none;
      remove(path, issue.code !== 'unrecognized_keys');
    }
  }
  let parsed = buildSpecSchema.safeParse(copy);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const top = issue.path[0];
      if (top === undefined || top === 'base' || top === 'name') return none;
      remove([top], true);
    }
    parsed = buildSpecSchema.safeParse(copy);
    if (!parsed.success) return none;
  }
  const found = checkCompatibility(normalizeSpec(parsed.data), parsed.data.packages);
  const under = (path: string, prefix: string): boolean =>
    path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
  const keep = (finding: SpecIssue): boolean => {
    const parent = finding.path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    return !removed.some(
      (r) =>
        under(finding.path, r.path) ||
        under(r.path, finding.path) ||
        (r.parent !== '' && r.parent === parent),
    );
  };
  return { errors: found.errors.filter(keep), warnings: found.warnings.filter(keep) };
}

/**
 * Validates a parsed JSON/YAML value as a BuildSpec. Reports every problem at once, each with its path and
 * what is allowed: schema problems, and the compatibility rules' findings on the fields that are valid.
 * Never throws for bad input.
 */
export function validateSpec(input: unknown): SpecValidation {
  const parsed = buildSpecSchema.safeParse(input);
  if (!parsed.success) {
    const schemaErrors = issuesFromZod(parsed.error.issues);
    const rules = rulesDespiteSchemaErrors(input, parsed.error.issues);
    const seen = new Set(schemaErrors.map((e) => e.path));
    return {
      ok: false,
      errors: [...schemaErrors, ...rules.errors.filter((e) => !seen.has(e.path))],
      warnings: rules.warnings,
    };
  }
  const spec = normalizeSpec(parsed.data);
  const { errors, warnings } = checkCompatibility(spec, parsed.data.packages);
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, spec, warnings };
}

/** Like validateSpec but throws LbeError(LBE_SPEC_INVALID) with every issue. */
export function assertValidSpec(input: unknown): { spec: NormalizedSpec; warnings: readonly SpecIssue[] } {
  const result = validateSpec(input);
  if (!result.ok) {
    throw new LbeError(
      'LBE_SPEC_INVALID',
      `The build spec is invalid: ${result.errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
      { issues: result.errors, details: { warnings: result.warnings } },
    );
  }
  return { spec: result.spec, warnings: result.warnings };
}
