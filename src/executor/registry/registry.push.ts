import type { Builder, RegistryCredentials, StreamOptions } from '../builder.types.js';
import { createMasker } from '../artifacts/secret.masker.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { toPushError } from './buildah-push.command.js';
import { withRegistryAuthFile } from './registry-auth.session.js';
import {
  credentialSecrets,
  maskedStream,
  parseRegistryDestination,
  parseSkopeoInspectDigest,
  skopeoInspectArgs,
} from './registry.tools.js';

export interface PushImageRequest extends StreamOptions {
  /** Any backend: the push itself is `builder.push` (buildah push, or the Docker API push). */
  readonly builder: Pick<Builder, 'push'>;
  /** Runs the verification (`skopeo inspect`). */
  readonly runner: ProcessRunner;
  /** Local image id or name. */
  readonly image: string;
  /** `host[:port]/repo[:tag]`. */
  readonly destination: string;
  readonly credentials?: RegistryCredentials;
  /** false for plain-HTTP or self-signed registries (REGISTRY_TLS_VERIFY). */
  readonly tlsVerify: boolean;
}

export interface PushedImage {
  /** `host:port/repo:tag`, normalised (tag defaults to `latest`). */
  readonly reference: string;
  /** Manifest digest `sha256:…`, as pushed and as the registry serves it. */
  readonly digest: string;
}

/**
 * The publish stage's registry push: `builder.push`, then proof that the registry really serves it —
 * `skopeo inspect docker://DEST` must report the digest the push returned.
 * Contract: the password reaches tools only on stdin; every line passed to `onLine` and every error message is
 * masked (`***`). Errors: LBE_BUILD_PUSH_DESTINATION_INVALID (user error, before any tool runs),
 * LBE_BUILD_PUSH_FAILED (retryable: refused, unreachable, digest mismatch), LBE_BUILD_CANCELLED,
 * LBE_BUILD_TOOL_MISSING (skopeo, or the backend's tool).
 */
export async function pushImage(request: PushImageRequest): Promise<PushedImage> {
  const target = parseRegistryDestination(request.destination);
  const mask = createMasker(credentialSecrets(request.credentials));
  const stream = maskedStream(request, mask);
  try {
    const digest = await request.builder.push(request.image, target.reference, {
      ...stream,
      tlsVerify: request.tlsVerify,
      ...(request.credentials === undefined ? {} : { credentials: request.credentials }),
    });
    const served = await inspectRegistryDigest(request.runner, {
      ...stream,
      destination: target.reference,
      tlsVerify: request.tlsVerify,
      ...(request.credentials === undefined ? {} : { credentials: request.credentials }),
    });
    if (served !== digest) {
      throw toPushError(
        new Error(`the registry serves ${served}, but the push reported ${digest}`),
        target.reference,
        mask,
      );
    }
    return { reference: target.reference, digest };
  } catch (err) {
    throw toPushError(err, target.reference, mask);
  }
}

/**
 * The manifest digest a registry serves for `destination`.
 * argv: `skopeo login …` (with credentials, see withRegistryAuthFile), then
 *       `skopeo inspect [--tls-verify=false] [--authfile TMP] --retry-times 2 docker://DEST`.
 * Throws the runner's errors (a missing image exits non-zero) or LBE_BUILD_PUSH_FAILED without a digest.
 */
export async function inspectRegistryDigest(
  runner: ProcessRunner,
  request: StreamOptions & {
    readonly destination: string;
    readonly tlsVerify: boolean;
    readonly credentials?: RegistryCredentials;
  },
): Promise<string> {
  const target = parseRegistryDestination(request.destination);
  const stream: StreamOptions = {
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    ...(request.onLine === undefined ? {} : { onLine: request.onLine }),
  };
  return withRegistryAuthFile(
    runner,
    {
      ...stream,
      tool: 'skopeo',
      registry: target.registry,
      credentials: request.credentials,
      tlsVerify: request.tlsVerify,
    },
    async (authFile) => {
      const result = await runner.run(
        'skopeo',
        skopeoInspectArgs({
          destination: target.reference,
          tlsVerify: request.tlsVerify,
          ...(authFile === undefined ? {} : { authFile }),
        }),
        // The JSON goes to stdout; only stderr lines are worth streaming.
        {
          timeoutMs: 120_000,
          ...(request.signal === undefined ? {} : { signal: request.signal }),
          ...(request.onLine === undefined
            ? {}
            : {
                onLine: (line, s) => {
                  if (s === 'stderr') request.onLine?.(line, s);
                },
              }),
        },
      );
      return parseSkopeoInspectDigest(result.stdout);
    },
  );
}
