import { readFile } from 'node:fs/promises';
import { parseDocument, type YAMLError } from 'yaml';
import { LbeError } from '../errors/index.js';
import { assertValidSpec, formatPath, type SpecIssue } from './spec.validate.js';
import type { NormalizedSpec } from './spec.normalize.js';

/** Keys refused anywhere in a spec: they would reach (or mimic) an object's prototype. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Aliases a YAML spec may resolve in total; specs need none, so this only stops alias bombs early. */
export const MAX_YAML_ALIASES = 10;

/** Largest spec text accepted (files are inlined, so this is generous). */
export const MAX_SPEC_BYTES = 8 * 1024 * 1024;

function parseError(message: string, filename: string | undefined, line?: number, col?: number): LbeError {
  const where = [filename, line === undefined ? undefined : `line ${line}, column ${col ?? 1}`]
    .filter((p) => p !== undefined)
    .join(': ');
  return new LbeError('LBE_SPEC_PARSE', `${where === '' ? '' : `${where}: `}${message}`, {
    details: {
      ...(filename === undefined ? {} : { filename }),
      ...(line === undefined ? {} : { line, column: col }),
    },
  });
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function yamlError(err: YAMLError, filename: string | undefined): LbeError {
  const pos = err.linePos?.[0];
  return parseError(firstLine(err.message), filename, pos?.line, pos?.col);
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, col: (lines.at(-1)?.length ?? 0) + 1 };
}

/** Refuses prototype-polluting keys at any depth; the error names the JSON path of the first one. */
function assertNoForbiddenKeys(value: unknown, filename: string | undefined, path: PropertyKey[] = []): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      assertNoForbiddenKeys(item, filename, [...path, i]);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.includes(key)) {
      const at = formatPath([...path, key]);
      throw parseError(`${at}: the key ${key} is not allowed anywhere in a spec`, filename);
    }
    assertNoForbiddenKeys((value as Record<string, unknown>)[key], filename, [...path, key]);
  }
}

/**
 * Parses spec text as JSON (`*.json`; or, without a file name, text that is valid JSON) or YAML 1.2
 * (everything else). Returns the plain value, not yet validated.
 * Throws LbeError('LBE_SPEC_PARSE') with `line L, column C` in the message for syntax errors, duplicate keys,
 * unknown YAML tags, more than MAX_YAML_ALIASES alias uses, texts over MAX_SPEC_BYTES, and for
 * `__proto__`/`constructor`/`prototype` keys at any depth (with their JSON path).
 */
export function parseSpecText(text: string, filename?: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_SPEC_BYTES) {
    throw parseError(`the spec is larger than ${MAX_SPEC_BYTES} bytes`, filename);
  }
  const strictJson = filename !== undefined && /\.json$/i.test(filename);
  const maybeJson = filename === undefined && /^\s*[{[]/.test(text);
  const value = strictJson || maybeJson ? parseJson(text, filename, strictJson) : parseYaml(text, filename);
  assertNoForbiddenKeys(value, filename);
  return value;
}

/** JSON.parse for the value, the YAML parser (JSON schema) for duplicate keys and error positions. */
function parseJson(text: string, filename: string | undefined, strict: boolean): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true, schema: 'json' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (!strict) return parseYaml(text, filename);
    const firstYaml = doc.errors[0];
    if (firstYaml !== undefined) throw yamlError(firstYaml, filename);
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const pos = lineColumn(text, at === null ? text.length : Number(at[1]));
    throw parseError(`invalid JSON: ${firstLine(message)}`, filename, pos.line, pos.col);
  }
  const duplicate = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (duplicate !== undefined) throw yamlError(duplicate, filename);
  return value;
}

function parseYaml(text: string, filename: string | undefined): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true, schema: 'core' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw yamlError(problem, filename);
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw parseError(
      `the YAML could not be resolved: ${firstLine(message)} (at most ${MAX_YAML_ALIASES} alias uses are allowed)`,
      filename,
    );
  }
}

/**
 * Reads, parses and validates a spec file. Throws LBE_SPEC_FILE_NOT_FOUND when it cannot be read,
 * LBE_SPEC_PARSE for syntax problems, LBE_SPEC_INVALID (with every issue) when it does not validate.
 */
export async function loadSpecFile(
  path: string,
): Promise<{ spec: NormalizedSpec; warnings: readonly SpecIssue[]; raw: unknown }> {
  const raw = parseSpecText(await readSpecFile(path), path);
  return { ...assertValidSpec(raw), raw };
}

/** Reads a spec file as UTF-8; LBE_SPEC_FILE_NOT_FOUND (with the OS reason) when it cannot be read. */
export async function readSpecFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new LbeError('LBE_SPEC_FILE_NOT_FOUND', `${path}: the spec file could not be read (${reason})`, {
      cause: err,
      details: { path },
    });
  }
}
