import { describe, expect, it } from 'vitest';
import { LbeError } from '../../errors/index.js';
import { ToolExitError } from '../process/process-runner.js';
import { toPushError } from './buildah-push.command.js';
import {
  buildahPushArgs,
  credentialSecrets,
  parseRegistryDestination,
  parseSkopeoInspectDigest,
  registryLoginArgs,
  skopeoInspectArgs,
} from './registry.tools.js';
import { createMasker } from '../artifacts/secret.masker.js';

describe('parseRegistryDestination', () => {
  it('accepts host:port/repo:tag and defaults the tag', () => {
    expect(parseRegistryDestination('127.0.0.1:5000/team/web:1.0')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'team/web',
      tag: '1.0',
      reference: '127.0.0.1:5000/team/web:1.0',
    });
    expect(parseRegistryDestination('docker://registry.example.com/web').reference).toBe(
      'registry.example.com/web:latest',
    );
    expect(parseRegistryDestination('localhost/web:x').registry).toBe('localhost');
  });

  it.each([
    'web:1.0',
    'team/web:1.0',
    '127.0.0.1:5000/Web:1',
    '127.0.0.1:5000/web:bad tag',
    '127.0.0.1:5000/web@sha256:' + 'a'.repeat(64),
    '127.0.0.1:5000/',
    '127.0.0.1:5000/web/../x',
    '-bad.example/web',
  ])('rejects %s as a user error', (destination) => {
    const err = (() => {
      try {
        parseRegistryDestination(destination);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LbeError);
    expect((err as LbeError).code).toBe('LBE_BUILD_PUSH_DESTINATION_INVALID');
    expect((err as LbeError).isUserError).toBe(true);
  });
});

describe('argv builders', () => {
  it('build login, push and inspect argv without secrets', () => {
    expect(
      registryLoginArgs({ registry: 'r:5000', username: 'u', authFile: '/t/auth.json', tlsVerify: false }),
    ).toEqual([
      'login',
      '--authfile',
      '/t/auth.json',
      '--username',
      'u',
      '--password-stdin',
      '--tls-verify=false',
      'r:5000',
    ]);
    expect(
      buildahPushArgs({
        image: 'abc',
        destination: 'r:5000/x',
        digestFile: '/t/d',
        tlsVerify: true,
        authFile: '/t/a',
      }),
    ).toEqual(['push', '--digestfile', '/t/d', '--authfile', '/t/a', 'abc', 'docker://r:5000/x:latest']);
    expect(skopeoInspectArgs({ destination: 'r:5000/x:1', tlsVerify: false })).toEqual([
      'inspect',
      '--tls-verify=false',
      '--retry-times',
      '2',
      'docker://r:5000/x:1',
    ]);
  });

  it('reads the digest from skopeo inspect output', () => {
    const digest = 'sha256:' + 'b'.repeat(64);
    expect(parseSkopeoInspectDigest(JSON.stringify({ Digest: digest, Name: 'x' }))).toBe(digest);
    expect(() => parseSkopeoInspectDigest('{}')).toThrow(LbeError);
  });
});

describe('masking', () => {
  const creds = { username: 'alice', password: 'hunter2-secret' };
  const mask = createMasker(credentialSecrets(creds));

  it('hides the password and the basic-auth token', () => {
    const basic = Buffer.from('alice:hunter2-secret').toString('base64');
    expect(mask('login with hunter2-secret failed')).toBe('login with *** failed');
    expect(mask(`Authorization: Basic ${basic}`)).toMatch(/^Authorization: Basic \*\*\*=*$/);
    expect(mask('user alice')).toBe('user alice');
  });

  it('toPushError masks the tool tail and keeps the last lines in the message', () => {
    const err = toPushError(
      new ToolExitError('buildah', 125, [
        'trying hunter2-secret',
        'Error: unauthorized: authentication required',
      ]),
      'r:5000/x:1',
      mask,
    ) as LbeError;
    expect(err.code).toBe('LBE_BUILD_PUSH_FAILED');
    expect(err.message).toContain('authentication required');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('hunter2-secret');
  });

  it('toPushError leaves cancellation alone', () => {
    const cancelled = new LbeError('LBE_BUILD_CANCELLED');
    expect(toPushError(cancelled, 'r/x:1', mask)).toBe(cancelled);
  });
});
