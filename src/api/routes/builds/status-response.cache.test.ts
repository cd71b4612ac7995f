import { describe, expect, it } from 'vitest';
import { bodyEntityTag, matchesEntityTag } from '../../http/entity-tag.js';
import { StatusResponseCache } from './status-response.cache.js';

describe('StatusResponseCache', () => {
  const key = StatusResponseCache.key('org-a', 'build-1', 0, 200);

  it('keeps finished builds for the TTL, then drops them', () => {
    let now = 1_000;
    const cache = new StatusResponseCache({ ttlMs: 5_000, clock: () => now });
    const stored = cache.remember(key, '{"status":"SUCCESS"}', true);
    expect(stored.etag).toBe(bodyEntityTag('{"status":"SUCCESS"}'));
    now += 4_999;
    expect(cache.get(key)).toEqual(stored);
    now += 1;
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps a running build for 1 s at most, and nothing oversized or when the TTL is 0', () => {
    let now = 1_000;
    const cache = new StatusResponseCache({ ttlMs: 5_000, maxBodyBytes: 10, clock: () => now });
    const running = cache.remember(key, '{"a":1}', false);
    expect(running.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    now += 999;
    expect(cache.get(key)).toEqual(running);
    now += 1;
    expect(cache.get(key)).toBeUndefined();
    cache.remember(StatusResponseCache.key('org-a', 'big', 0, 200), '{"a":"0123456789"}', true);
    expect(cache.size).toBe(0);
    const off = new StatusResponseCache({ ttlMs: 0 });
    off.remember(key, '{}', true);
    off.remember(key, '{}', false);
    expect(off.get(key)).toBeUndefined();
    const short = new StatusResponseCache({ ttlMs: 300, runningTtlMs: 1_000, clock: () => now });
    short.remember(key, '{}', false);
    now += 300;
    expect(short.get(key)).toBeUndefined();
  });

  it('invalidate drops every log page of one build of one tenant, and nothing else', () => {
    const cache = new StatusResponseCache({ ttlMs: 5_000 });
    const pages = [
      StatusResponseCache.key('org-a', 'build-1', 0, 200),
      StatusResponseCache.key('org-a', 'build-1', 7, 50),
    ];
    const others = [
      StatusResponseCache.key('org-b', 'build-1', 0, 200),
      StatusResponseCache.key('org-a', 'build-2', 0, 200),
      // an id with the separator in it must not be confused with build-1's keys
      StatusResponseCache.key('org-a', 'build-1\u00000', 0, 200),
    ];
    for (const k of [...pages, ...others]) cache.remember(k, k, false);
    cache.invalidate('org-a', 'build-1');
    for (const k of pages) expect(cache.get(k)).toBeUndefined();
    for (const k of others) expect(cache.get(k)?.bytes.toString()).toBe(k);
    cache.invalidate('org-a', 'no-such-build');
    expect(cache.size).toBe(others.length);
  });

  it('keys by tenant, build and log page', () => {
    const cache = new StatusResponseCache({ ttlMs: 5_000 });
    cache.remember(key, '{"page":1}', true);
    expect(cache.get(StatusResponseCache.key('org-b', 'build-1', 0, 200))).toBeUndefined();
    expect(cache.get(StatusResponseCache.key('org-a', 'build-1', 1, 200))).toBeUndefined();
    expect(cache.get(StatusResponseCache.key('org-a', 'build-1', 0, 10))).toBeUndefined();
    expect(cache.get(key)?.bytes.toString()).toBe('{"page":1}');
  });

  it('evicts the oldest entry beyond maxEntries', () => {
    const cache = new StatusResponseCache({ ttlMs: 5_000, maxEntries: 2 });
    for (const id of ['b1', 'b2', 'b3']) cache.remember(StatusResponseCache.key('t', id, 0, 1), id, true);
    expect(cache.size).toBe(2);
    expect(cache.get(StatusResponseCache.key('t', 'b1', 0, 1))).toBeUndefined();
    expect(cache.get(StatusResponseCache.key('t', 'b3', 0, 1))?.bytes.toString()).toBe('b3');
  });
});

describe('matchesEntityTag', () => {
  it('matches lists, weak prefixes and *, and nothing else', () => {
    const etag = bodyEntityTag('x');
    expect(matchesEntityTag(undefined, etag)).toBe(false);
    expect(matchesEntityTag('"other"', etag)).toBe(false);
    expect(matchesEntityTag(`"other", W/${etag}`, etag)).toBe(true);
    expect(matchesEntityTag(' * ', etag)).toBe(true);
    expect(matchesEntityTag(etag.slice(1, -1), etag)).toBe(false);
  });
});
