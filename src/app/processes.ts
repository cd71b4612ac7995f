import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { claimProcessScratch } from '../executor/index.js';
import { createLogger } from '../observability/index.js';
import { resolveExecutor } from './executor.binding.js';
import { assertAuthConfig, createRuntime, type Runtime } from './runtime.js';
import { planSpec } from './spec-planner.js';

export interface RunningProcess {
  readonly runtime: Runtime;
  /** The listening address (server only), e.g. `http://127.0.0.1:3000`. */
  readonly address?: string;
  /**
   * Graceful stop: stop accepting requests, let running builds finish for SHUTDOWN_GRACE_SECONDS, abort and
   * requeue (QUEUED, attempt not counted) the rest, then close queue and store. Idempotent.
   */
  stop(): Promise<void>;
}

/** `npm start` / `lbe serve`: API + embedded worker (when the executor is available) in one process. */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config),
): Promise<RunningProcess> {
  assertAuthConfig(config, logger);
  const releaseScratch = await useProcessScratch(logSwept(logger));
  const runtime = await createRuntime(config, { logger, planner: planSpec });
  const app = await runtime.createApp();
  const executor = resolveExecutor(config, logger);
  const worker =
    executor === undefined
      ? undefined
      : runtime.startWorker(executor, { graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000 });
  if (worker === undefined) runtime.retention.start();
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  logger.info(
    { address, queue: runtime.queue.driver, database: runtime.store.dialect, worker: worker !== undefined },
    'lbe server listening',
  );
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    address,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down: no new requests; running builds get the grace period');
        app.lbe.markShuttingDown();
        const closingApp = app.close();
        await worker?.stop();
        await closingApp;
        await runtime.close();
        await releaseScratch();
        logger.info('shut down');
      })();
      return stopping;
    },
  };
}

/** `lbe worker`: a worker (and reconciler, retention) without the API. */
export async function startWorker(
  config: Config,
  logger: Logger = createLogger(config),
): Promise<RunningProcess> {
  const releaseScratch = await useProcessScratch(logSwept(logger));
  const runtime = await createRuntime(config, { logger, planner: planSpec });
  const executor = resolveExecutor(config, logger);
  if (executor === undefined) {
    await runtime.close();
    await releaseScratch();
    throw new Error('no executor available: this worker cannot run builds');
  }
  const worker = runtime.startWorker(executor, { graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000 });
  logger.info(
    { queue: runtime.queue.driver, database: runtime.store.dialect, workerId: worker.worker.workerId },
    'lbe worker started',
  );
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    stop() {
      stopping ??= (async () => {
        await worker.stop();
        await runtime.close();
        await releaseScratch();
      })();
      return stopping;
    },
  };
}

/**
 * Claims this process's scratch directory under the current temp dir (`claimProcessScratch`: the temp dirs
 * of lbe processes on this host that are gone — killed, crashed — are removed first, and `onSwept` hears of
 * them) and points TMPDIR at it, so every temp dir this process makes from now on lives there. Call it
 * before creating a builder (builders take their temp dir when created). The returned function, called once
 * the process has stopped its builds, points TMPDIR back and removes the directory.
 */
export async function useProcessScratch(
  onSwept: (dirs: readonly string[]) => void,
): Promise<() => Promise<void>> {
  const previous = process.env.TMPDIR;
  const scratch = await claimProcessScratch({ base: tmpdir() });
  if (scratch.swept.length > 0) onSwept(scratch.swept);
  process.env.TMPDIR = scratch.dir;
  return async () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await scratch.release();
  };
}

function logSwept(logger: Logger): (dirs: readonly string[]) => void {
  return (dirs) => {
    logger.warn({ dirs }, 'removed the temp dirs of lbe processes that are gone');
  };
}

/**
 * Stops `proc` on SIGTERM / SIGINT (a second signal exits at once with 1). Resolves the exit code.
 */
export function stopOnSignals(proc: RunningProcess, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      received = true;
      logger.info({ signal }, 'signal received');
      proc.stop().then(
        () => {
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
