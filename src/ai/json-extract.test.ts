import { describe, expect, it } from 'vitest';
import { extractJsonObject } from './json-extract.js';

describe('extractJsonObject', () => {
  it('parses a bare object', () => {
    expect(extractJsonObject('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('tolerates leading prose, code fences and trailing text', () => {
    const text = 'Here you go:\n```json\n{"name":"x","nested":{"b":[1,2]}}\n```\nHope that helps {:)}';
    expect(extractJsonObject(text)).toEqual({ ok: true, value: { name: 'x', nested: { b: [1, 2] } } });
  });

  it('ignores braces inside strings', () => {
    expect(extractJsonObject('{"s":"a } b { c","t":"\\"}"}')).toEqual({
      ok: true,
      value: { s: 'a } b { c', t: '"}' },
    });
  });

  it('skips a balanced non-JSON candidate in prose and takes the next object', () => {
    expect(extractJsonObject('use {braces} like this: {"a":true}')).toEqual({ ok: true, value: { a: true } });
  });

  it('never returns an object nested in a broken or cut-off one', () => {
    expect(extractJsonObject('{"users":[{"name":"a"}], oops}')).toMatchObject({ ok: false });
    const cut = extractJsonObject('{"name":"x","users":[{"name":"a"}');
    expect(cut).toEqual({ ok: false, reason: 'the JSON object was cut off or its braces are unbalanced' });
  });

  it('explains why nothing was found', () => {
    expect(extractJsonObject('   ')).toEqual({ ok: false, reason: 'the answer was empty' });
    expect(extractJsonObject('no json here')).toEqual({
      ok: false,
      reason: 'the answer contained no JSON object',
    });
    expect(extractJsonObject('[1,2]')).toMatchObject({ ok: false });
  });
});
