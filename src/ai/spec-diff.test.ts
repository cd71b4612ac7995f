import { describe, expect, it } from 'vitest';
import { diffSpecs } from './spec-diff.js';

describe('diffSpecs', () => {
  it('reports every top-level key as added on the first turn, in sorted order', () => {
    expect(diffSpecs(undefined, { name: 'a', base: 'debian' })).toEqual([
      { path: 'base', kind: 'added', new: 'debian' },
      { path: 'name', kind: 'added', new: 'a' },
    ]);
  });

  it('reports nothing for equal specs', () => {
    const spec = { name: 'a', users: [{ name: 'x', groups: ['a'] }], packages: ['p'] };
    expect(diffSpecs(spec, structuredClone(spec))).toEqual([]);
  });

  it('diffs scalar lists by value, so an insertion is one change', () => {
    expect(diffSpecs({ packages: ['a', 'b'] }, { packages: ['x', 'a', 'b'] })).toEqual([
      { path: 'packages[0]', kind: 'added', new: 'x' },
    ]);
    expect(diffSpecs({ packages: ['a', 'b', 'c'] }, { packages: ['a', 'c', 'd'] })).toEqual([
      { path: 'packages[1]', kind: 'removed', old: 'b' },
      { path: 'packages[2]', kind: 'added', new: 'd' },
    ]);
  });

  it('recurses into objects in arrays by index, and reports removals and type changes', () => {
    const before = { users: [{ name: 'a', sudo: true }, { name: 'b' }], ssh: { port: 22 }, packages: ['x'] };
    const after = {
      users: [{ name: 'a', sudo: false, shell: '/bin/zsh' }],
      ssh: { port: 2222 },
      packages: { base: ['x'] },
    };
    expect(diffSpecs(before, after)).toEqual([
      { path: 'packages', kind: 'changed', old: ['x'], new: { base: ['x'] } },
      { path: 'ssh.port', kind: 'changed', old: 22, new: 2222 },
      { path: 'users[0].shell', kind: 'added', new: '/bin/zsh' },
      { path: 'users[0].sudo', kind: 'changed', old: true, new: false },
      { path: 'users[1]', kind: 'removed', old: { name: 'b' } },
    ]);
  });

  it('quotes keys that are not identifiers', () => {
    expect(diffSpecs({ packages: {} }, { packages: { 'g++': true } })).toEqual([
      { path: 'packages["g++"]', kind: 'added', new: true },
    ]);
  });
});
