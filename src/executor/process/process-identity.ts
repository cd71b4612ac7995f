import { readFile } from 'node:fs/promises';

/**
 * A process told apart from any later one with the same pid: the pid plus its kernel start time (field 22,
 * `starttime`, of `/proc/<pid>/stat`, in clock ticks since boot). Records that outlive their writer (build
 * stage owners, per-process scratch directories) carry both, so a reused pid never passes for the writer.
 * Only meaningful inside one pid namespace.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly start: number;
}

/**
 * `starttime` (field 22) of a `/proc/<pid>/stat` line. The command name (field 2) sits in parentheses and may
 * itself contain spaces and parentheses, so the fields are counted from the last `)`.
 */
export function parseProcStatStartTime(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no command name');
  // Fields 3.. follow the command name: field 22 is the 20th of them.
  const value = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/)[19];
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new Error('not a /proc/<pid>/stat line: no start time');
  }
  return Number(value);
}

/** The start time of process `pid`, or undefined when no such process exists. */
export async function processStartTime(pid: number): Promise<number | undefined> {
  try {
    return parseProcStatStartTime(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ESRCH')) return undefined;
    throw err;
  }
}

let own: Promise<ProcessIdentity> | undefined;

/** This process's identity, read once (its start time never changes); rejects without /proc. */
export function ownProcessIdentity(): Promise<ProcessIdentity> {
  own ??= processStartTime(process.pid).then((start) => {
    if (start === undefined) throw new Error('cannot read /proc/self/stat: no process start time');
    return { pid: process.pid, start };
  });
  return own;
}

/** Whether `identity` is still running (same pid, same start time). */
export async function isProcessAlive(identity: ProcessIdentity): Promise<boolean> {
  return (await processStartTime(identity.pid)) === identity.start;
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
