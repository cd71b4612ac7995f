import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createId } from '@paralleldrive/cuid2';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningProcess } from '../../src/app/processes.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { api, dropBuildCacheEntry, followBuild, freePort, uniqueDebianSpec } from './e2e-support.js';

/**
 * The service end to end, through a real listening server (`startServer`: API + embedded worker, SQLite,
 * local queue, the buildah executor): a real Debian build is submitted over HTTP, followed over the
 * WebSocket to BUILD_COMPLETE, and its `image.tar` downloaded in two Range requests whose concatenation
 * must hash to the ETag and to the artifact list's checksum. CACHE_DIR is the default one, so the
 * bootstrapped Debian base is reused; the spec is unique, so the build itself is real.
 */
const apiKey = `e2e-${createId()}`;
let dataDir: string;
let config: Config;
let server: RunningProcess;
let baseUrl: string;
const builtIds: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lbe-e2e-'));
  config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    ARTIFACTS_DIR: join(dataDir, 'artifacts'),
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    QUEUE_DRIVER: 'local',
    API_KEYS: apiKey,
    BUILD_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
  });
  server = await startServer(config, pino({ level: 'warn' }));
  baseUrl = server.address ?? '';
});

afterAll(async () => {
  await server.stop();
  for (const id of builtIds) await dropBuildCacheEntry(config.artifactsDir, id, config.cacheDir);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('build service end to end (real server, real Debian build)', () => {
  it('builds, streams LOG/STEP/BUILD_COMPLETE, serves image.tar by Range with a matching sha256, reuses the build', async () => {
    const spec = uniqueDebianSpec();
    const started = await api(baseUrl, apiKey, '/api/build/start', { method: 'POST', body: spec });
    expect(started.status).toBe(202);
    const buildId = String(started.body.buildId);
    builtIds.push(buildId);
    expect(started.body.statusUrl).toBe(`/api/build/status/${buildId}`);

    const messages = await followBuild(baseUrl, apiKey, buildId, 600_000);
    const complete = messages.at(-1);
    expect(complete?.type).toBe('BUILD_COMPLETE');
    expect(complete?.status, JSON.stringify(messages.slice(-5))).toBe('SUCCESS');
    const logs = messages.filter((m) => m.type === 'LOG');
    const steps = messages.filter((m) => m.type === 'STEP');
    expect(logs.length).toBeGreaterThan(10);
    expect(steps.length).toBeGreaterThan(2);
    expect(new Set(steps.map((s) => s.step))).toContain('packages');
    expect(messages.every((m) => m.buildId === undefined || m.buildId === buildId)).toBe(true);

    const status = await api(baseUrl, apiKey, `/api/build/status/${buildId}`);
    expect(status.status).toBe(200);
    expect(status.body.status).toBe('SUCCESS');
    expect(status.body.progress).toBe(100);

    const listed = await api(baseUrl, apiKey, `/api/build/artifact/${buildId}`);
    const artifacts = listed.body.artifacts as { type: string; sha256: string; sizeBytes: number }[];
    const docker = artifacts.find((a) => a.type === 'docker');
    expect(docker?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(listed.body)).not.toContain(dataDir);
    const size = docker?.sizeBytes ?? 0;
    expect(size).toBeGreaterThan(1_000_000);

    // Resumable download: the first part, then the rest, fetched separately.
    const url = `${baseUrl}/api/build/download/${buildId}/docker`;
    const split = Math.floor(size / 3);
    const first = await fetch(url, {
      headers: { authorization: `Bearer ${apiKey}`, range: `bytes=0-${split - 1}` },
    });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-${split - 1}/${size}`);
    const etag = first.headers.get('etag');
    const head = Buffer.from(await first.arrayBuffer());
    const rest = await fetch(url, {
      headers: { authorization: `Bearer ${apiKey}`, range: `bytes=${split}-`, 'if-range': etag ?? '' },
    });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes ${split}-${size - 1}/${size}`);
    expect(rest.headers.get('content-disposition')).toMatch(/attachment; filename="?image\.tar"?/);
    const tail = Buffer.from(await rest.arrayBuffer());
    expect(head.length + tail.length).toBe(size);
    const sha256 = createHash('sha256').update(head).update(tail).digest('hex');
    expect(sha256).toBe(docker?.sha256);
    expect(etag).toBe(`"${sha256}"`);
    // A docker-archive tarball: the first header block names a file and carries the ustar magic.
    expect(head.subarray(257, 262).toString('latin1')).toBe('ustar');

    // The same spec again: the successful build is returned (200), nothing is queued.
    const again = await api(baseUrl, apiKey, '/api/build/start', { method: 'POST', body: spec });
    expect(again.status).toBe(200);
    expect(again.body.buildId).toBe(buildId);
    expect(again.body.reused).toBe(true);
    expect(again.body.status).toBe('SUCCESS');
  });
});
