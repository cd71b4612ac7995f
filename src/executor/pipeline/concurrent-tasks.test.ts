import { describe, expect, it } from 'vitest';
import { NodeProcessRunner } from '../process/process-runner.js';
import { runConcurrently } from './concurrent-tasks.js';

/** Resolves with `value` after `ms`, or rejects with the signal's reason once it aborts. */
function after<T>(ms: number, value: T, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      resolve(value);
    }, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      },
      { once: true },
    );
  });
}

describe('runConcurrently', () => {
  it('runs the tasks at the same time and keeps the results in the order given', async () => {
    const started: string[] = [];
    const t0 = Date.now();
    const [a, b] = await runConcurrently([
      (signal) => {
        started.push('a');
        return after(150, 'a', signal);
      },
      (signal) => {
        started.push('b');
        return after(150, 2, signal);
      },
    ]);
    expect([a, b]).toEqual(['a', 2]);
    expect(started).toEqual(['a', 'b']);
    expect(Date.now() - t0).toBeLessThan(290);
  });

  it('aborts the siblings of a failed task, waits for them and throws the first error', async () => {
    const settled: string[] = [];
    const failure = new Error('image.tar failed');
    const run = runConcurrently([
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        throw failure;
      },
      async (signal) => {
        try {
          return await after(5_000, 'never', signal);
        } finally {
          await new Promise((r) => setTimeout(r, 50));
          settled.push('sibling cleaned up');
        }
      },
    ]);
    await expect(run).rejects.toBe(failure);
    expect(settled).toEqual(['sibling cleaned up']);
  });

  it('does not start the later tasks when one throws before its first await', async () => {
    const failure = new Error('sync');
    const started: string[] = [];
    const run = runConcurrently([
      () => {
        throw failure;
      },
      (signal) => {
        started.push('second');
        return after(5_000, 1, signal);
      },
    ]);
    await expect(run).rejects.toBe(failure);
    expect(started).toEqual([]);
  });

  it('passes the caller’s abort to every task, and starts none when it was aborted before', async () => {
    const controller = new AbortController();
    const run = runConcurrently(
      [(signal) => after(5_000, 1, signal), (signal) => after(5_000, 2, signal)],
      controller.signal,
    );
    controller.abort();
    await expect(run).rejects.toThrow('aborted');
    const started: string[] = [];
    const late = runConcurrently(
      [
        () => {
          started.push('late');
          return Promise.resolve(1);
        },
      ],
      controller.signal,
    );
    await expect(late).rejects.toMatchObject({ name: 'AbortError' });
    expect(started).toEqual([]);
  });

  it('kills a sibling’s child process when a task fails and returns only once it has exited', async () => {
    const runner = new NodeProcessRunner();
    let sibling: unknown;
    const t0 = Date.now();
    const run = runConcurrently([
      async () => {
        await new Promise((r) => setTimeout(r, 200));
        throw new Error('first');
      },
      (signal) =>
        runner.run('sleep', ['30'], { signal }).catch((err: unknown) => {
          sibling = err;
          throw err;
        }),
    ]);
    await expect(run).rejects.toThrow('first');
    // The runner settles on the child's exit: a settled sibling means `sleep` is gone, 29 s early.
    expect(sibling).toMatchObject({ code: 'LBE_BUILD_CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
