import { LbeError } from '../../errors/index.js';
import type { Masker } from '../artifacts/secret.masker.js';
import type { StreamOptions } from '../builder.types.js';

/**
 * argv builders and helpers for talking to an image registry with buildah and skopeo. Pure functions: no I/O.
 * Shared by `pushImage` (this folder) and the buildah backend's `push`, so every push in the engine is spawned
 * with the same flags. Secrets never enter argv: passwords go to `login --password-stdin`, which writes a
 * temporary `--authfile` that the caller owns and removes in `finally`.
 */

/** A registry destination split into its parts; see parseRegistryDestination. */
export interface RegistryDestination {
  /** `host[:port]`, e.g. `127.0.0.1:5000`, `registry.example.com`. */
  readonly registry: string;
  /** Repository path without the registry, e.g. `team/web`. */
  readonly repository: string;
  /** Tag; `latest` when the destination names none. */
  readonly tag: string;
  /** `registry/repository:tag`. */
  readonly reference: string;
}

const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Parses `host[:port]/repo[/more]:tag` as the Docker distribution reference grammar allows (the registry part
 * is mandatory here: `lbe` never pushes to an implicit Docker Hub). Throws LBE_BUILD_PUSH_DESTINATION_INVALID
 * for anything else, including digests (`@sha256:`), which cannot be pushed to.
 */
export function parseRegistryDestination(destination: string): RegistryDestination {
  const invalid = (why: string): LbeError =>
    new LbeError(
      'LBE_BUILD_PUSH_DESTINATION_INVALID',
      `Registry destination ${JSON.stringify(destination)} ${why}`,
      {
        details: { destination },
      },
    );
  const value = destination.startsWith('docker://') ? destination.slice('docker://'.length) : destination;
  if (value.includes('@')) throw invalid('must name a tag, not a digest');
  const slash = value.indexOf('/');
  if (slash <= 0) throw invalid('must be host[:port]/repository[:tag]');
  const registry = value.slice(0, slash);
  let rest = value.slice(slash + 1);
  if (
    !HOST.test(registry) ||
    !(registry.includes('.') || registry.includes(':') || registry === 'localhost')
  ) {
    throw invalid('must start with a registry host (with a dot or a port, or localhost)');
  }
  let tag = 'latest';
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid('has an invalid tag');
  }
  if (rest === '' || !rest.split('/').every((c) => PATH_COMPONENT.test(c)) || rest.length > 255) {
    throw invalid('has an invalid repository name (lower-case letters, digits, . _ - and /)');
  }
  return { registry, repository: rest, tag, reference: `${registry}/${rest}:${tag}` };
}

/**
 * `<tool> login --authfile AUTHFILE --username USER --password-stdin [--tls-verify=false] REGISTRY`
 * for tool = buildah, skopeo or podman (same flags). Input: the password on stdin. Output: AUTHFILE holds the
 * credentials (the caller creates it in a private temp dir and removes it in `finally`). Exit 0 = logged in;
 * 125/1 = refused or unreachable (the last lines say which).
 */
export function registryLoginArgs(options: {
  readonly registry: string;
  readonly username: string;
  readonly authFile: string;
  readonly tlsVerify: boolean;
}): string[] {
  return [
    'login',
    '--authfile',
    options.authFile,
    '--username',
    options.username,
    '--password-stdin',
    ...(options.tlsVerify ? [] : ['--tls-verify=false']),
    options.registry,
  ];
}

/**
 * `buildah push --digestfile DIGESTFILE [--tls-verify=false] [--authfile AUTHFILE] [--retry N] IMAGE docker://DEST`
 * Input: a local image (id or name). Output: the manifest digest (`sha256:…`) in DIGESTFILE; progress lines
 * on stderr. Exit 0 = pushed; non-zero = refused, unreachable or auth failure.
 */
export function buildahPushArgs(options: {
  readonly image: string;
  readonly destination: string;
  readonly digestFile: string;
  readonly tlsVerify: boolean;
  readonly authFile?: string;
}): string[] {
  return [
    'push',
    '--digestfile',
    options.digestFile,
    ...(options.tlsVerify ? [] : ['--tls-verify=false']),
    ...(options.authFile === undefined ? [] : ['--authfile', options.authFile]),
    options.image,
    `docker://${parseRegistryDestination(options.destination).reference}`,
  ];
}

/**
 * `skopeo inspect [--tls-verify=false] [--authfile AUTHFILE] --retry-times 2 docker://DEST`
 * Output: JSON on stdout whose `Digest` is the manifest digest the registry serves for DEST.
 * Exit 0 = found; non-zero = missing, refused or unreachable.
 */
export function skopeoInspectArgs(options: {
  readonly destination: string;
  readonly tlsVerify: boolean;
  readonly authFile?: string;
}): string[] {
  return [
    'inspect',
    ...(options.tlsVerify ? [] : ['--tls-verify=false']),
    ...(options.authFile === undefined ? [] : ['--authfile', options.authFile]),
    '--retry-times',
    '2',
    `docker://${parseRegistryDestination(options.destination).reference}`,
  ];
}

/** The `Digest` of `skopeo inspect` output; throws LBE_BUILD_PUSH_FAILED when it is missing. */
export function parseSkopeoInspectDigest(stdout: string): string {
  let digest: unknown;
  try {
    digest = (JSON.parse(stdout) as { Digest?: unknown }).Digest;
  } catch {
    digest = undefined;
  }
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new LbeError('LBE_BUILD_PUSH_FAILED', 'skopeo inspect did not report a manifest digest');
  }
  return digest;
}

/** `options` with every line passed on masked: what a push hands its tools, so no tool line leaks a secret. */
export function maskedStream(options: StreamOptions, mask: Masker): StreamOptions {
  const onLine = options.onLine;
  return {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(onLine === undefined
      ? {}
      : {
          onLine: (line, s) => {
            onLine(mask(line), s);
          },
        }),
  };
}

/** All secrets that a set of credentials can leak through: the password and `user:password` (basic auth). */
export function credentialSecrets(credentials: { username: string; password: string } | undefined): string[] {
  if (credentials === undefined) return [];
  return [credentials.password, `${credentials.username}:${credentials.password}`];
}
