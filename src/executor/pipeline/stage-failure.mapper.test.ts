import { describe, expect, it } from 'vitest';
import { LbeError } from '../../errors/index.js';
import { ToolExitError } from '../process/process-runner.js';
import { mapStageFailure } from './stage-failure.mapper.js';

const id = (l: string) => l;

describe('mapStageFailure', () => {
  it('turns apt errors into LBE_BUILD_PACKAGES_FAILED with apt’s lines', () => {
    const err = mapStageFailure(
      'packages',
      new ToolExitError('buildah', 1, ['Reading package lists...', 'E: Unable to locate package nope']),
      id,
    );
    expect(err).toMatchObject({ code: 'LBE_BUILD_PACKAGES_FAILED', details: { stage: 'packages' } });
    expect((err as LbeError).message).toContain('E: Unable to locate package nope');
  });

  it('an unreachable mirror is retryable', () => {
    const err = mapStageFailure(
      'packages',
      new ToolExitError('buildah', 100, [
        'W: Failed to fetch http://deb.debian.org/x  Temporary failure resolving',
      ]),
      id,
    ) as LbeError;
    expect(err.code).toBe('LBE_BUILD_MIRROR_UNREACHABLE');
    expect(err.isRetryable).toBe(true);
  });

  it('script failures carry the script output and flag OOM kills', () => {
    const err = mapStageFailure(
      'scripts',
      new ToolExitError('buildah', 1, [
        'STEP 2/2: RUN x',
        'Killed',
        'error building at STEP: exit status 137',
      ]),
      id,
    ) as LbeError;
    expect(err.code).toBe('LBE_BUILD_SCRIPT_FAILED');
    expect(err.details.oom).toBe(true);
  });

  it('passes cancellation through and names the stage of a timeout', () => {
    const cancelled = new LbeError('LBE_BUILD_CANCELLED');
    expect(mapStageFailure('packages', cancelled, id)).toBe(cancelled);
    expect(mapStageFailure('scripts', new LbeError('LBE_BUILD_TIMEOUT'), id)).toMatchObject({
      code: 'LBE_BUILD_TIMEOUT',
      details: { stage: 'scripts' },
    });
  });
});
