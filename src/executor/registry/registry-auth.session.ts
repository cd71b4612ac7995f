import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RegistryCredentials, StreamOptions } from '../builder.types.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { registryLoginArgs } from './registry.tools.js';

/**
 * Runs `fn` with a private, temporary registry auth file, or with none when there are no credentials.
 * Contract: the file is created by `<tool> login --password-stdin` (buildah, skopeo and podman share the
 * format), the password only ever travels on stdin, and the private directory holding the file (mode 0700)
 * is removed in `finally` — whether `fn` or the login succeeds or throws. Login failures are thrown as the
 * runner threw them; callers map them to their own error code.
 */
export async function withRegistryAuthFile<T>(
  runner: ProcessRunner,
  request: StreamOptions & {
    readonly tool: 'buildah' | 'skopeo' | 'podman';
    /** Arguments before the subcommand, e.g. buildah's `--root DIR --runroot DIR`. */
    readonly globalArgs?: readonly string[];
    readonly registry: string;
    readonly credentials: RegistryCredentials | undefined;
    readonly tlsVerify: boolean;
    readonly timeoutMs?: number;
  },
  fn: (authFile: string | undefined) => Promise<T>,
): Promise<T> {
  if (request.credentials === undefined) return fn(undefined);
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-auth-'));
  try {
    const authFile = path.join(dir, 'auth.json');
    await runner.run(
      request.tool,
      [
        ...(request.globalArgs ?? []),
        ...registryLoginArgs({
          registry: request.registry,
          username: request.credentials.username,
          authFile,
          tlsVerify: request.tlsVerify,
        }),
      ],
      {
        stdin: request.credentials.password,
        timeoutMs: request.timeoutMs ?? 60_000,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        ...(request.onLine === undefined ? {} : { onLine: request.onLine }),
      },
    );
    return await fn(authFile);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
