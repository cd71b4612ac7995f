import { describe, expect, it } from 'vitest';
import { LbeError } from '../errors/index.js';
import { parseByteRange, resolveArtifactFile, safeDownloadName } from './index.js';

describe('parseByteRange', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=5-', { kind: 'partial', start: 5, end: 99 }],
    ['bytes=-10', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=90-500', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=9-3', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
  ] as const)('%s of 100 bytes → %o', (header, expected) => {
    expect(parseByteRange(header, 100)).toEqual(expected);
  });
});

describe('resolveArtifactFile', () => {
  it('stays inside the artifacts directory', () => {
    expect(resolveArtifactFile('/data/artifacts', 'abc/image.tar')).toBe('/data/artifacts/abc/image.tar');
    for (const bad of ['../etc/passwd', 'abc/../../etc/passwd', '/etc/passwd', '', 'a\0b', '..']) {
      expect(() => resolveArtifactFile('/data/artifacts', bad), bad).toThrow(LbeError);
    }
  });
});

describe('safeDownloadName', () => {
  it('keeps plain names and neutralises quotes, slashes and leading dots', () => {
    expect(safeDownloadName('live.iso')).toBe('live.iso');
    expect(safeDownloadName('../"evil"\r\n.iso')).toBe('_evil_.iso');
    expect(safeDownloadName('')).toBe('artifact');
  });
});
