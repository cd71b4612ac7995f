import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isLbeError, LbeError } from '../../errors/index.js';
import type { RegistryCredentials, StreamOptions } from '../builder.types.js';
import { createMasker } from '../artifacts/secret.masker.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { withRegistryAuthFile } from './registry-auth.session.js';
import {
  buildahPushArgs,
  credentialSecrets,
  maskedStream,
  parseRegistryDestination,
} from './registry.tools.js';

export interface BuildahPushRequest extends StreamOptions {
  readonly image: string;
  /** `host:port/repo:tag`. */
  readonly destination: string;
  readonly credentials?: RegistryCredentials;
  readonly tlsVerify: boolean;
  /** buildah's global flags (storage root, runtime), placed before the subcommand. */
  readonly globalArgs?: readonly string[];
  /** Default 10 minutes. */
  readonly timeoutMs?: number;
}

/**
 * Pushes a local image with buildah; the implementation of `BuildahBuilder.push` (the buildah backend calls
 * it with its global storage flags).
 *
 * argv: `buildah [GLOBAL] login --authfile TMP --username U --password-stdin [--tls-verify=false] REGISTRY`
 *       (only with credentials; password on stdin), then
 *       `buildah [GLOBAL] push --digestfile TMP/digest [--tls-verify=false] [--authfile TMP/auth.json] IMAGE docker://DEST`.
 * Output: the pushed manifest digest `sha256:…` (read from the digest file).
 * Errors: LBE_BUILD_PUSH_DESTINATION_INVALID for a bad DEST; LBE_BUILD_CANCELLED on abort;
 * LBE_BUILD_TOOL_MISSING without buildah; every other failure (login refused, registry unreachable, timeout)
 * → LBE_BUILD_PUSH_FAILED whose message and `details.tail` carry buildah's last lines with credentials masked.
 * Every line given to `onLine` is masked too. The temp dir (auth file, digest file) is removed in `finally`.
 */
export async function runBuildahPush(runner: ProcessRunner, request: BuildahPushRequest): Promise<string> {
  const target = parseRegistryDestination(request.destination);
  const mask = createMasker(credentialSecrets(request.credentials));
  const stream = maskedStream(request, mask);
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-push-'));
  try {
    return await withRegistryAuthFile(
      runner,
      {
        ...stream,
        tool: 'buildah',
        globalArgs: request.globalArgs ?? [],
        registry: target.registry,
        credentials: request.credentials,
        tlsVerify: request.tlsVerify,
      },
      async (authFile) => {
        const digestFile = path.join(dir, 'digest');
        await runner.run(
          'buildah',
          [
            ...(request.globalArgs ?? []),
            ...buildahPushArgs({
              image: request.image,
              destination: target.reference,
              digestFile,
              tlsVerify: request.tlsVerify,
              ...(authFile === undefined ? {} : { authFile }),
            }),
          ],
          { ...stream, timeoutMs: request.timeoutMs ?? 600_000 },
        );
        const digest = (await readFile(digestFile, 'utf8')).trim();
        if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
          throw new LbeError('LBE_BUILD_PUSH_FAILED', `buildah push wrote no digest for ${target.reference}`);
        }
        return digest;
      },
    );
  } catch (err) {
    throw toPushError(err, target.reference, mask);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Maps any failure of a push step to LBE_BUILD_PUSH_FAILED with the tool's masked last lines; leaves
 * cancellation, a missing tool, an invalid destination and already-mapped push errors as they are.
 */
export function toPushError(err: unknown, reference: string, mask: (line: string) => string): unknown {
  if (isLbeError(err)) {
    if (
      err.code === 'LBE_BUILD_CANCELLED' ||
      err.code === 'LBE_BUILD_TOOL_MISSING' ||
      err.code === 'LBE_BUILD_PUSH_DESTINATION_INVALID'
    ) {
      return err;
    }
    if (err.code === 'LBE_BUILD_PUSH_FAILED' && err.details.maskedTail === true) return err;
    const rawTail = err.details.tail;
    const tail = Array.isArray(rawTail) ? rawTail.map((l) => mask(String(l))) : [];
    const last = tail
      .filter((l) => l.trim() !== '')
      .slice(-3)
      .join(' | ');
    return new LbeError(
      'LBE_BUILD_PUSH_FAILED',
      `Pushing ${reference} failed: ${mask(err.message)}${last === '' ? '' : ` — ${last}`}`,
      { details: { reference, tail, maskedTail: true }, cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LbeError('LBE_BUILD_PUSH_FAILED', `Pushing ${reference} failed: ${mask(message)}`, {
    details: { reference, tail: [], maskedTail: true },
  });
}
