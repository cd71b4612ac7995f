import { describe, expect, it } from 'vitest';
import { LbeError } from '../errors/index.js';
import { EnvSecretsProvider, loadConfig, redactConfig } from './index.js';

describe('loadConfig', () => {
  it('applies the defaults of the seed plan', () => {
    const c = loadConfig({ HOME: '/root' });
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('0.0.0.0');
    expect(c.BUILD_CONCURRENCY).toBe(2);
    expect(c.BUILD_MEMORY_LIMIT).toBe('2g');
    expect(c.BUILD_PIDS_LIMIT).toBe(100);
    expect(c.artifactsDir).toBe('data/artifacts');
    expect(c.cacheDir).toMatch(/\.cache\/lbe$|\/lbe$/);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('honours XDG_CACHE_HOME for the cache dir', () => {
    expect(loadConfig({ XDG_CACHE_HOME: '/tmp/xdg' }).cacheDir).toBe('/tmp/xdg/lbe');
  });

  it('reports every bad variable at once, naming it and what is allowed', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '99999', ADMIN_API_KEY: 'short', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LbeError);
    const issues = (error as LbeError).issues.map((i) => i.path).sort();
    expect(issues).toEqual(['ADMIN_API_KEY', 'LOG_LEVEL', 'PORT', 'REDIS_URL']);
    expect((error as LbeError).message).toContain('ADMIN_API_KEY: must be at least 32 characters');
  });

  it('parses booleans and lists', () => {
    const c = loadConfig({ TRUST_PROXY: 'true', API_KEYS: 'a, b,,c' });
    expect(c.TRUST_PROXY).toBe(true);
    expect(c.API_KEYS).toEqual(['a', 'b', 'c']);
  });

  it('limits failed authentications to 30 per minute by default; 0 turns the limit off', () => {
    expect(loadConfig({}).AUTH_FAILURES_PER_MINUTE).toBe(30);
    expect(loadConfig({ AUTH_FAILURES_PER_MINUTE: '0' }).AUTH_FAILURES_PER_MINUTE).toBe(0);
    for (const bad of ['-1', '1.5', '100001', 'many']) {
      expect(() => loadConfig({ AUTH_FAILURES_PER_MINUTE: bad })).toThrow(/AUTH_FAILURES_PER_MINUTE/);
    }
  });

  it('redacts secrets when printed', () => {
    const c = loadConfig({
      API_KEYS: 'k1,k2',
      ADMIN_API_KEY: 'x'.repeat(40),
      DOCKER_HUB_TOKEN: 'tok',
      DOCKER_HUB_USER: 'me',
      DATABASE_URL: 'postgres://u:pw@db:5432/lbe',
    });
    const dump = JSON.stringify(redactConfig(c));
    expect(dump).not.toContain('x'.repeat(40));
    expect(dump).not.toContain('tok"');
    expect(dump).not.toContain('pw');
    expect(dump).not.toContain('k1');
    expect(dump).toContain('"DOCKER_HUB_USER":"me"');
  });

  it('serves secrets through the env provider', async () => {
    const p = new EnvSecretsProvider(loadConfig({ DOCKER_HUB_TOKEN: 'tok' }));
    expect(await p.get('DOCKER_HUB_TOKEN')).toBe('tok');
    expect(await p.get('LLM_API_KEY')).toBeUndefined();
  });
});
