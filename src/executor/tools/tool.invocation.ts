import { LbeError, isLbeError } from '../../errors/index.js';
import type { ProcessRunner, RunOptions, RunResult } from '../process/process-runner.js';
import { installHint } from './tool-packages.table.js';

/**
 * Runs one external tool through the ProcessRunner. Same contract as `ProcessRunner.run`, except that a
 * missing executable becomes LBE_BUILD_TOOL_MISSING whose message names the apt package to install
 * (`buildah is not installed: apt-get install buildah`).
 */
export async function runTool(
  runner: ProcessRunner,
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  try {
    return await runner.run(command, args, options);
  } catch (err) {
    if (isLbeError(err) && err.code === 'LBE_BUILD_TOOL_MISSING') {
      throw new LbeError('LBE_BUILD_TOOL_MISSING', `${command} is not installed: ${installHint(command)}`, {
        details: { command, install: installHint(command) },
        cause: err,
      });
    }
    throw err;
  }
}
