import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Builder } from '../../src/executor/builder.types.js';
import { NodeProcessRunner } from '../../src/executor/process/process-runner.js';
import { inspectRegistryDigest, pushImage, runBuildahPush } from '../../src/executor/registry/index.js';
import { LbeError } from '../../src/errors/index.js';
import { createBuildahScratch, type BuildahScratch } from '../helpers/buildah-scratch.js';
import { freePort } from '../helpers/free-port.js';
import { bcryptHash, startLocalRegistry, type LocalRegistry } from '../helpers/local-registry.js';

// Real buildah, skopeo and Debian's docker-registry; no network beyond 127.0.0.1.
const runner = new NodeProcessRunner();
let scratch: BuildahScratch;
let imageId: string;

/** The buildah backend's push, exactly as BuildahBuilder.push runs it, over the test's private storage. */
function buildahPusher(): Pick<Builder, 'push'> {
  return {
    push: (image, destination, options = {}) =>
      runBuildahPush(runner, {
        ...options,
        image,
        destination,
        tlsVerify: options.tlsVerify ?? true,
        globalArgs: scratch.globalArgs,
      }),
  };
}

beforeAll(async () => {
  scratch = await createBuildahScratch(runner);
  imageId = await scratch.makeTinyImage('lbe-test/tiny:1', 'hello from lbe\n');
});

afterAll(async () => {
  await scratch.cleanup();
});

describe('pushImage to a local registry without auth', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startLocalRegistry();
  });
  afterAll(async () => {
    await registry.stop();
  });

  it('pushes, and skopeo inspect serves the same digest', async () => {
    const lines: string[] = [];
    const pushed = await pushImage({
      builder: buildahPusher(),
      runner,
      image: imageId,
      destination: `${registry.host}/lbe/tiny:v1`,
      tlsVerify: false,
      onLine: (l) => lines.push(l),
    });
    expect(pushed.reference).toBe(`${registry.host}/lbe/tiny:v1`);
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines.some((l) => l.includes('Writing manifest'))).toBe(true);

    // Independent check with plain skopeo, outside pushImage.
    const inspected = await runner.run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/lbe/tiny:v1`,
    ]);
    expect((JSON.parse(inspected.stdout) as { Digest: string }).Digest).toBe(pushed.digest);
  });

  it('defaults the tag to latest', async () => {
    const pushed = await pushImage({
      builder: buildahPusher(),
      runner,
      image: imageId,
      destination: `${registry.host}/lbe/tiny`,
      tlsVerify: false,
    });
    expect(pushed.reference).toBe(`${registry.host}/lbe/tiny:latest`);
    expect(await inspectRegistryDigest(runner, { destination: pushed.reference, tlsVerify: false })).toBe(
      pushed.digest,
    );
  });

  it('rejects a destination without a registry host before running any tool', async () => {
    const err = await pushImage({
      builder: buildahPusher(),
      runner,
      image: imageId,
      destination: 'lbe/tiny:v1',
      tlsVerify: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbeError);
    expect((err as LbeError).code).toBe('LBE_BUILD_PUSH_DESTINATION_INVALID');
  });
});

describe('pushImage failures', () => {
  it('a push to a closed port fails with LBE_BUILD_PUSH_FAILED and the tool output', async () => {
    const port = await freePort();
    const err = await pushImage({
      builder: buildahPusher(),
      runner,
      image: imageId,
      destination: `127.0.0.1:${port}/lbe/tiny:v1`,
      tlsVerify: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbeError);
    expect((err as LbeError).code).toBe('LBE_BUILD_PUSH_FAILED');
    expect((err as LbeError).isRetryable).toBe(true);
    expect((err as LbeError).message).toMatch(/connection refused/i);
  });

  it('an aborted push is a cancellation, not a push failure', async () => {
    const registry = await startLocalRegistry();
    try {
      const controller = new AbortController();
      controller.abort();
      const err = await pushImage({
        builder: buildahPusher(),
        runner,
        image: imageId,
        destination: `${registry.host}/lbe/tiny:v1`,
        tlsVerify: false,
        signal: controller.signal,
      }).catch((e: unknown) => e);
      expect((err as LbeError).code).toBe('LBE_BUILD_CANCELLED');
    } finally {
      await registry.stop();
    }
  });
});

describe('pushImage with htpasswd credentials', async () => {
  // bcrypt comes from Debian's python3 `crypt` module; without it this block is skipped (no new packages).
  const canAuth = (await bcryptHash('probe')) !== undefined;
  const auth = { username: 'lbe-pusher', password: 'S3cret-Pa55-word!' };
  let registry: LocalRegistry;
  beforeAll(async () => {
    if (canAuth) registry = await startLocalRegistry({ auth });
  });
  afterAll(async () => {
    if (canAuth) await registry.stop();
  });

  it.skipIf(!canAuth)('pushes with credentials and never shows the password in any line', async () => {
    const lines: string[] = [];
    const pushed = await pushImage({
      builder: buildahPusher(),
      runner,
      image: imageId,
      destination: `${registry.host}/private/tiny:v1`,
      tlsVerify: false,
      credentials: auth,
      onLine: (l) => lines.push(l),
    });
    expect(pushed.digest).toMatch(/^sha256:/);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('Login Succeeded'))).toBe(true);
    const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    for (const l of [...lines, ...registry.logs]) {
      expect(l).not.toContain(auth.password);
      expect(l).not.toContain(basic);
    }
  });

  it.skipIf(!canAuth)('without credentials the registry refuses: LBE_BUILD_PUSH_FAILED', async () => {
    const err = await pushImage({
      builder: buildahPusher(),
      runner,
      image: imageId,
      destination: `${registry.host}/private/tiny:v2`,
      tlsVerify: false,
    }).catch((e: unknown) => e);
    expect((err as LbeError).code).toBe('LBE_BUILD_PUSH_FAILED');
    expect((err as LbeError).message).toMatch(/authentication required|unauthorized/i);
  });

  it.skipIf(!canAuth)('a wrong password fails the login with the password masked in the error', async () => {
    const wrong = { username: auth.username, password: 'wrong-Pa55-word' };
    const lines: string[] = [];
    const err = await pushImage({
      builder: buildahPusher(),
      runner,
      image: imageId,
      destination: `${registry.host}/private/tiny:v3`,
      tlsVerify: false,
      credentials: wrong,
      onLine: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect((err as LbeError).code).toBe('LBE_BUILD_PUSH_FAILED');
    const everything = JSON.stringify({
      message: (err as LbeError).message,
      details: (err as LbeError).details,
      lines,
    });
    expect(everything).not.toContain(wrong.password);
  });
});
