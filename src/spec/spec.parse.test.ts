import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LbeError } from '../errors/index.js';
import { loadSpecFile, parseSpecText } from './spec.parse.js';

function parseFailure(text: string, filename?: string): LbeError {
  try {
    parseSpecText(text, filename);
  } catch (err) {
    if (err instanceof LbeError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('parseSpecText', () => {
  it('parses YAML and JSON to the same value', () => {
    const yaml = parseSpecText('name: x\nbase: debian\npackages: [curl]\n', 'a.yaml');
    const json = parseSpecText('{"name":"x","base":"debian","packages":["curl"]}', 'a.json');
    expect(yaml).toEqual(json);
    expect(parseSpecText('{"name":"x"}')).toEqual({ name: 'x' });
  });

  it('reads JSON-looking text without a file name as YAML when it is not JSON', () => {
    expect(parseSpecText('{name: x}')).toEqual({ name: 'x' });
  });

  it.each([
    ['YAML syntax', 'a: [1, 2\n', 'a.yaml', /a\.yaml: line 2, column 1: /],
    ['duplicate YAML keys', 'a: 1\nb: 2\na: 3\n', 'a.yaml', /line 3, column 1: Map keys must be unique/],
    [
      'duplicate JSON keys',
      '{"a": 1,\n "a": 2}',
      'a.json',
      /a\.json: line 2, column 2: Map keys must be unique/,
    ],
    [
      'duplicate keys without a file name',
      '{"a":1,"a":2}',
      undefined,
      /line 1, column 8: Map keys must be unique/,
    ],
    ['JSON missing value', '{"a": 1,\n "b": }', 'a.json', /line 2, column 7/],
    ['JSON trailing comma', '{"a": 1,}', 'a.json', /line 1, column \d+: invalid JSON/],
    ['JSON truncated', '{"a": 1', 'a.json', /line 1, column \d+/],
    ['unknown YAML tag', 'a: !shell rm -rf /\n', 'a.yaml', /line 1, column 4: Unresolved tag/],
  ])('%s → LBE_SPEC_PARSE with line and column', (_label, text, filename, message) => {
    const err = parseFailure(text, filename);
    expect(err.code).toBe('LBE_SPEC_PARSE');
    expect(err.message).toMatch(message);
  });

  it('JSON errors without a position report the end of the text', () => {
    const err = parseFailure('{"a": tru', 'x.json');
    expect(err.message).toMatch(/x\.json: line 1, column \d+/);
  });

  it('stops YAML alias bombs', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    const err = parseFailure(bomb, 'bomb.yaml');
    expect(err.code).toBe('LBE_SPEC_PARSE');
    expect(err.message).toMatch(/alias/);
  });

  it.each([
    ['__proto__ at the root (JSON)', '{"__proto__": {"polluted": true}}', 'a.json', '__proto__'],
    [
      'constructor deep (YAML)',
      'users:\n  - name: a\n    constructor: {}\n',
      'a.yaml',
      'users[0].constructor',
    ],
    ['prototype in a map (YAML)', 'packages:\n  prototype: true\n', 'a.yaml', 'packages.prototype'],
    ['__proto__ in YAML', '__proto__:\n  x: 1\n', 'a.yaml', '__proto__'],
  ])('refuses %s with its path', (_label, text, filename, path) => {
    const err = parseFailure(text, filename);
    expect(err.code).toBe('LBE_SPEC_PARSE');
    expect(err.message).toContain(`${path}: the key`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses oversized texts', () => {
    expect(parseFailure(`a: "${'x'.repeat(8 * 1024 * 1024)}"`).message).toMatch(/larger than/);
  });

  it('an empty document is null (the validator then reports it)', () => {
    expect(parseSpecText('', 'a.yaml')).toBeNull();
  });
});

describe('loadSpecFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbe-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads, parses and validates', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(file, 'name: ok\nbase: alpine\npackages: {curl: true}\n');
    const { spec, warnings, raw } = await loadSpecFile(file);
    expect(spec.init).toBe('openrc');
    expect(spec.packages).toEqual([{ name: 'curl' }]);
    expect(warnings).toEqual([]);
    expect(raw).toEqual({ name: 'ok', base: 'alpine', packages: { curl: true } });
  });

  it('a missing file is LBE_SPEC_FILE_NOT_FOUND', async () => {
    await expect(loadSpecFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'LBE_SPEC_FILE_NOT_FOUND',
      message: expect.stringContaining('ENOENT') as unknown,
    });
  });

  it('an invalid spec is LBE_SPEC_INVALID with every issue', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ name: 'x', base: 'debian', hostname: '-', extra: true }));
    await expect(loadSpecFile(file)).rejects.toMatchObject({
      code: 'LBE_SPEC_INVALID',
      issues: [
        { path: 'hostname', message: expect.stringContaining('RFC 1123') as unknown },
        { path: 'extra', message: 'is not a known field (unknown keys are not allowed)' },
      ],
    });
  });
});
