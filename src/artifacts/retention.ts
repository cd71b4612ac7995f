import { rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { BuildArtifact, Store } from '../store/index.js';
import { resolveArtifactFile } from './artifact-path.js';

export interface RetentionOptions {
  readonly store: Store;
  readonly artifactsDir: string;
  /** Artifacts older than this are deleted (ARTIFACT_RETENTION_HOURS). */
  readonly retentionHours: number;
  /** Sweep period (default one hour). */
  readonly intervalMs?: number;
  readonly clock?: () => number;
  readonly logger?: Logger | undefined;
}

export interface SweepResult {
  readonly deleted: number;
  readonly freedBytes: number;
  readonly failed: number;
}

/**
 * Deletes artifact files older than the retention window and marks their rows deleted (the row stays, so
 * downloads answer 410). Safe to run in several processes at once: a missing file is not an error and
 * `markDeleted` is a compare-and-set. `start()` sweeps every `intervalMs`; `stop()` is idempotent and
 * waits for a running sweep.
 */
export class ArtifactRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;

  constructor(private readonly options: RetentionOptions) {}

  /** One sweep at `now` (epoch ms): everything created before `now - retention` goes. */
  async sweepOnce(now: number): Promise<SweepResult> {
    const cutoff = now - this.options.retentionHours * 3_600_000;
    let deleted = 0;
    let freedBytes = 0;
    let failed = 0;
    for (;;) {
      const batch = await this.options.store.artifacts.listExpired(cutoff, 200);
      if (batch.length === 0) break;
      let progressed = false;
      for (const artifact of batch) {
        const ok = await this.deleteArtifact(artifact);
        if (ok) {
          deleted++;
          freedBytes += artifact.sizeBytes;
          progressed = true;
        } else {
          failed++;
        }
      }
      if (!progressed || batch.length < 200) break;
    }
    if (deleted > 0 || failed > 0) {
      this.options.logger?.info({ deleted, freedBytes, failed }, 'artifact retention sweep');
    }
    return { deleted, freedBytes, failed };
  }

  /** Deletes the artifact's file (if any) and marks the row; false when the file could not be removed. */
  async deleteArtifact(artifact: BuildArtifact): Promise<boolean> {
    if (artifact.path !== null) {
      try {
        const file = resolveArtifactFile(this.options.artifactsDir, artifact.path);
        await rm(file, { force: true });
        await rmdir(dirname(file)).catch(() => undefined); // only succeeds once the build dir is empty
      } catch (err) {
        this.options.logger?.error({ err, artifactId: artifact.id }, 'artifact file could not be deleted');
        return false;
      }
    }
    await this.options.store.artifacts.markDeleted(artifact.id);
    return true;
  }

  start(): void {
    if (this.timer !== undefined) return;
    const interval = this.options.intervalMs ?? 3_600_000;
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      const now = (this.options.clock ?? Date.now)();
      this.running = this.sweepOnce(now)
        .catch((err: unknown) => {
          this.options.logger?.error({ err }, 'artifact retention sweep failed');
          return { deleted: 0, freedBytes: 0, failed: 0 };
        })
        .finally(() => {
          this.running = undefined;
        });
    }, interval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
