import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { LbeError } from '../../errors/index.js';

/** Where a line of output came from. */
export type OutputStream = 'stdout' | 'stderr';

export interface RunOptions {
  /** Working directory of the child. */
  readonly cwd?: string;
  /** Extra environment variables; merged over a minimal base (PATH, HOME, LANG). The host env is not inherited. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the child's stdin, then closed (use it for secrets: never put them in argv). */
  readonly stdin?: string | Buffer;
  /** Wall-clock limit in milliseconds; on expiry the whole process group gets SIGTERM, then SIGKILL. */
  readonly timeoutMs?: number;
  /** Aborting kills the whole process group the same way. */
  readonly signal?: AbortSignal;
  /**
   * How long the group has between SIGTERM and SIGKILL (default 3 s). Give more to a tool that cleans up
   * after itself on SIGTERM: a SIGKILL in the middle of its cleanup leaves what it was removing.
   */
  readonly killGraceMs?: number;
  /** Called once per complete output line (without the newline), in order per stream. */
  readonly onLine?: (line: string, stream: OutputStream) => void;
  /** Keep at most this many trailing lines for error messages (default 50). */
  readonly tailLines?: number;
  /** Collect stdout in `RunResult.stdout` (default true; turn off for huge outputs). */
  readonly captureStdout?: boolean;
  /** Exit codes that count as success (default [0]). */
  readonly okExitCodes?: readonly number[];
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  /** The last `tailLines` lines of stdout and stderr interleaved, for error messages. */
  readonly tail: readonly string[];
  readonly durationMs: number;
}

/**
 * Runs external tools. Contract: `command` is an executable name or path and `args` an argv array — never a
 * shell string. `run` resolves when the child exits with an accepted code and rejects with an LbeError
 * otherwise (LBE_BUILD_TOOL_MISSING when the executable does not exist, LBE_BUILD_CANCELLED on abort,
 * LBE_BUILD_TIMEOUT on timeout, LBE_BUILD_STEP_FAILED on a bad exit code — callers may re-map it).
 * The child runs in its own process group so that abort and timeout kill its whole tree. It also gets SIGTERM
 * when this process dies, even by SIGKILL (the kernel's parent-death signal, set by util-linux `setpriv`
 * when it is installed): no tool outlives a crashed engine, and a tool that cleans up on SIGTERM (buildah bud
 * with --force-rm removes its working container) still does.
 */
export interface ProcessRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

const KILL_GRACE_MS = 3000;

/** Thrown by the runner when the tool exits with a code outside `okExitCodes`. */
export class ToolExitError extends LbeError {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly tail: readonly string[],
  ) {
    super('LBE_BUILD_STEP_FAILED', `${command} exited with code ${exitCode}`, {
      details: { command, exitCode, tail },
    });
  }
}

function baseEnv(): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };
}

export class NodeProcessRunner implements ProcessRunner {
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const started = Date.now();
    const tailMax = options.tailLines ?? 50;
    const capture = options.captureStdout ?? true;
    const ok = options.okExitCodes ?? [0];
    const tail: string[] = [];
    const stdoutChunks: Buffer[] = [];

    return new Promise<RunResult>((resolve, reject) => {
      if (options.signal?.aborted === true) {
        reject(new LbeError('LBE_BUILD_CANCELLED', `${command} was not started: the build was cancelled`));
        return;
      }
      const env = { ...baseEnv(), ...options.env };
      const [file, argv] = withParentDeathSignal(command, args, env.PATH);
      const child = spawn(file, argv, {
        cwd: options.cwd,
        env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let settled = false;
      let killReason: 'abort' | 'timeout' | undefined;
      let killTimer: NodeJS.Timeout | undefined;

      const killTree = (reason: 'abort' | 'timeout'): void => {
        if (killReason !== undefined || child.pid === undefined) return;
        killReason = reason;
        signalGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(() => {
          if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
        }, options.killGraceMs ?? KILL_GRACE_MS);
        killTimer.unref();
      };
      const onAbort = (): void => {
        killTree('abort');
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const timeout =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              killTree('timeout');
            }, options.timeoutMs);

      const pushLine = (line: string, stream: OutputStream): void => {
        tail.push(line);
        if (tail.length > tailMax) tail.shift();
        options.onLine?.(line, stream);
      };
      const lineSplitter = (stream: OutputStream): ((chunk: Buffer) => void) => {
        let pending = '';
        const flush = (): void => {
          if (pending !== '') pushLine(pending, stream);
          pending = '';
        };
        (stream === 'stdout' ? child.stdout : child.stderr).on('end', flush);
        return (chunk: Buffer) => {
          if (stream === 'stdout' && capture) stdoutChunks.push(chunk);
          pending += chunk.toString('utf8');
          const parts = pending.split(/\r?\n/);
          pending = parts.pop() ?? '';
          for (const p of parts) pushLine(p, stream);
        };
      };
      child.stdout.on('data', lineSplitter('stdout'));
      child.stderr.on('data', lineSplitter('stderr'));
      child.stdin.on('error', () => {
        /* the child may exit before reading stdin; its exit code tells the story */
      });
      if (options.stdin !== undefined) child.stdin.end(options.stdin);
      else child.stdin.end();

      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        if (timeout !== undefined) clearTimeout(timeout);
        if (killTimer !== undefined) clearTimeout(killTimer);
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };

      child.on('error', (err: NodeJS.ErrnoException) => {
        finish(() => {
          if (err.code === 'ENOENT') {
            reject(
              new LbeError('LBE_BUILD_TOOL_MISSING', `${command} is not installed`, {
                details: { command },
                cause: err,
              }),
            );
          } else {
            reject(
              new LbeError('LBE_BUILD_STEP_FAILED', `${command} could not start: ${err.message}`, {
                cause: err,
              }),
            );
          }
        });
      });
      child.on('close', (code, signal) => {
        finish(() => {
          const durationMs = Date.now() - started;
          if (killReason === 'abort') {
            reject(new LbeError('LBE_BUILD_CANCELLED', `${command} was stopped: the build was cancelled`));
            return;
          }
          if (killReason === 'timeout') {
            reject(
              new LbeError(
                'LBE_BUILD_TIMEOUT',
                `${command} exceeded its time limit of ${options.timeoutMs ?? 0} ms`,
                {
                  details: { command, tail },
                },
              ),
            );
            return;
          }
          const exitCode = code ?? (signal !== null ? 128 + signalNumber(signal) : 1);
          if (!ok.includes(exitCode)) {
            reject(new ToolExitError(command, exitCode, [...tail]));
            return;
          }
          resolve({
            exitCode,
            stdout: Buffer.concat(stdoutChunks).toString('utf8'),
            tail: [...tail],
            durationMs,
          });
        });
      });
    });
  }
}

let setprivPath: string | null | undefined;

/**
 * `setpriv --pdeathsig SIGTERM -- <absolute tool path> …args` when setpriv is installed and the tool resolves
 * on `path`; otherwise the plain command, so a missing tool still fails with ENOENT (LBE_BUILD_TOOL_MISSING).
 * setpriv execs the tool in place: same pid, same exit code, same process group.
 */
function withParentDeathSignal(
  command: string,
  args: readonly string[],
  path: string | undefined,
): [string, string[]] {
  setprivPath ??= resolveExecutable('setpriv', baseEnv().PATH) ?? null;
  const resolved = setprivPath === null ? undefined : resolveExecutable(command, path);
  if (setprivPath === null || resolved === undefined) return [command, [...args]];
  return [setprivPath, ['--pdeathsig', 'SIGTERM', '--', resolved, ...args]];
}

function resolveExecutable(command: string, path: string | undefined): string | undefined {
  // A relative path with a slash is left to spawn (it resolves against the child's cwd).
  if (command.includes('/') && !isAbsolute(command)) return undefined;
  const candidates = isAbsolute(command)
    ? [command]
    : (path ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, command));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGSEGV: 11 };
  return table[signal] ?? 1;
}
