/** One task of `runConcurrently`: it must stop (kill its tools) when `signal` aborts. */
export type ConcurrentTask<T> = (signal: AbortSignal) => Promise<T>;

/**
 * Runs independent tasks at the same time and resolves with their results, in the order given, once every
 * one has fulfilled. Each task gets one shared signal that aborts when `signal` aborts or as soon as any task
 * rejects; a task is not started when that signal has already aborted (it then rejects with its reason). Contract: it settles only after every task has settled (no tool of a failed sibling outlives the
 * call, so the caller's cleanup never races a running task) and then rejects with the FIRST rejection, not
 * with the cancellations that rejection caused in the siblings.
 */
export async function runConcurrently<T extends readonly unknown[]>(
  tasks: { readonly [K in keyof T]: ConcurrentTask<T[K]> },
  signal?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const forwardAbort = (): void => {
    controller.abort(signal?.reason);
  };
  if (signal?.aborted === true) forwardAbort();
  else signal?.addEventListener('abort', forwardAbort, { once: true });
  let failure: { readonly error: unknown } | undefined;
  try {
    const settled = await Promise.allSettled(
      (tasks as readonly ConcurrentTask<unknown>[]).map(async (task) => {
        try {
          // Not started at all once a sibling (sync-throwing, earlier in the list) or the caller aborted.
          if (controller.signal.aborted) throw controller.signal.reason;
          return await task(controller.signal);
        } catch (error) {
          if (failure === undefined) {
            failure = { error };
            controller.abort(error);
          }
          throw error;
        }
      }),
    );
    if (failure !== undefined) throw failure.error;
    return settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as unknown as T;
  } finally {
    signal?.removeEventListener('abort', forwardAbort);
  }
}
