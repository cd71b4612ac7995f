import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { JobQueue } from '../../../jobs/job-queue.js';
import type { Store } from '../../../store/index.js';

/** One dependency probe. `check` resolves with a short detail or rejects; it must finish within `timeoutMs`. */
export interface HealthCheck {
  readonly name: string;
  /** Part of readiness (/health/ready): the API cannot serve without it. */
  readonly critical: boolean;
  check(): Promise<string>;
}

export interface HealthResult {
  readonly name: string;
  readonly ok: boolean;
  readonly critical: boolean;
  readonly detail: string;
  readonly durationMs: number;
}

/** Runs the checks in parallel, each bounded by `timeoutMs` (a slow dependency counts as down). */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs = 2000,
): Promise<HealthResult[]> {
  return Promise.all(
    checks.map(async (c): Promise<HealthResult> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const detail = await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              reject(new Error(`timed out after ${timeoutMs} ms`));
            }, timeoutMs);
          }),
        ]);
        return { name: c.name, ok: true, critical: c.critical, detail, durationMs: elapsed(started) };
      } catch (err) {
        const detail = err instanceof Error ? err.message : 'failed';
        return { name: c.name, ok: false, critical: c.critical, detail, durationMs: elapsed(started) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

export function databaseCheck(store: Store): HealthCheck {
  return {
    name: 'database',
    critical: true,
    async check() {
      await store.ping();
      return store.dialect;
    },
  };
}

export function queueCheck(queue: JobQueue): HealthCheck {
  return {
    name: 'queue',
    critical: true,
    async check() {
      const counts = await queue.counts();
      return `${queue.driver}: ${JSON.stringify(counts)}`;
    },
  };
}

/** Whether `tool` is an executable file in one of the PATH directories. */
export async function isOnPath(tool: string, path: string): Promise<boolean> {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    try {
      await access(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** The build tools a worker needs (buildah, runc, mmdebstrap by default); not critical for the API. */
export function builderToolsCheck(
  path: string,
  tools: readonly string[] = ['buildah', 'runc', 'mmdebstrap'],
): HealthCheck {
  return {
    name: 'builder',
    critical: false,
    async check() {
      const missing: string[] = [];
      for (const tool of tools) if (!(await isOnPath(tool, path))) missing.push(tool);
      if (missing.length > 0) throw new Error(`missing on PATH: ${missing.join(', ')}`);
      return tools.join(', ');
    },
  };
}

/** Ollama's `GET /api/tags` answers. Only added when OLLAMA_URL is configured. */
export function ollamaCheck(baseUrl: string): HealthCheck {
  return {
    name: 'ollama',
    critical: false,
    async check() {
      const res = await fetch(new URL('/api/tags', baseUrl), { signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      await res.body?.cancel();
      return 'reachable';
    },
  };
}
