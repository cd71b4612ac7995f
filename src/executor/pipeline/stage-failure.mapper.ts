import { LbeError, isLbeError } from '../../errors/index.js';
import { aptErrorLines, isMirrorFailure } from '../tools/apt-output.classifier.js';

/**
 * Turns a failed stage into the error a user can act on. Contract: cancellation, timeouts and missing tools
 * pass through unchanged; a failed tool in
 *   packages  → LBE_BUILD_MIRROR_UNREACHABLE (retryable) when apt could not reach the mirror, else
 *               LBE_BUILD_PACKAGES_FAILED with apt's `E:` lines (e.g. "Unable to locate package x");
 *   scripts   → LBE_BUILD_SCRIPT_FAILED with the script's last output lines (137 → "killed: out of memory?");
 *   configure → LBE_BUILD_STEP_FAILED naming the stage.
 * Every mapped error carries `details.stage` and `details.tail` (the tool's last lines, already masked).
 */
export function mapStageFailure(stage: string, err: unknown, mask: (line: string) => string): unknown {
  if (!isLbeError(err) || err.code !== 'LBE_BUILD_STEP_FAILED') {
    if (isLbeError(err) && err.code === 'LBE_BUILD_TIMEOUT') {
      return new LbeError('LBE_BUILD_TIMEOUT', `The ${stage} stage exceeded its time limit`, {
        details: { stage, tail: tailOf(err).map(mask) },
        cause: err,
      });
    }
    return err;
  }
  const tail = tailOf(err).map(mask);
  const exitCode = typeof err.details.exitCode === 'number' ? err.details.exitCode : undefined;
  const details = { stage, tail, exitCode };
  const last = tail.slice(-12);
  if (stage === 'packages') {
    if (isMirrorFailure(tail)) {
      return new LbeError('LBE_BUILD_MIRROR_UNREACHABLE', 'The package mirror could not be reached', {
        details,
        cause: err,
      });
    }
    const aptErrors = aptErrorLines(tail);
    return new LbeError(
      'LBE_BUILD_PACKAGES_FAILED',
      `Installing packages failed: ${(aptErrors.length > 0 ? aptErrors : last.slice(-3)).join(' | ')}`,
      { details: { ...details, aptErrors }, cause: err },
    );
  }
  if (stage === 'scripts') {
    const oom = tail.some((l) => /exit status 137|\bKilled\b/.test(l));
    return new LbeError(
      'LBE_BUILD_SCRIPT_FAILED',
      `A postInstall script failed${oom ? ' (killed: out of memory or pids limit?)' : ''}: ${scriptLines(tail).join(' | ')}`,
      { details: { ...details, oom }, cause: err },
    );
  }
  return new LbeError('LBE_BUILD_STEP_FAILED', `The ${stage} stage failed: ${last.slice(-3).join(' | ')}`, {
    details,
    cause: err,
  });
}

/** The script's own output: buildah's STEP/COMMIT/Error lines removed, at most the last 15 lines. */
function scriptLines(tail: readonly string[]): string[] {
  return tail.filter((l) => !/^(STEP \d+\/\d+:|COMMIT |Error: building at STEP)/.test(l)).slice(-15);
}

function tailOf(err: LbeError): string[] {
  const t = err.details.tail;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}
