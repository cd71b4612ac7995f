import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createId } from '@paralleldrive/cuid2';
// @ts-expect-error -- ws (the server's WebSocket library, @fastify/websocket's dependency) ships no types.
import WebSocketUntyped from 'ws';
import { buildArtifactsDir } from '../../src/artifacts/artifact-path.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port that was free a moment ago (the server binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A Debian spec whose plan no earlier run produced (unique name and host name), so the executor really
 * builds it instead of answering from its build-key cache; the bootstrapped base and the packages stage
 * (same package list) are reused from CACHE_DIR. `scripts` adds a postInstall stage (e.g. a `sleep`).
 */
export function uniqueDebianSpec(scripts?: readonly string[]): Record<string, unknown> {
  const id = createId().slice(0, 10);
  return {
    name: `e2e-${id}`,
    base: 'debian',
    packages: ['curl'],
    hostname: `e2e-${id}`,
    ...(scripts === undefined ? {} : { postInstall: { scripts: [...scripts] } }),
  };
}

/** The minimal surface of a `ws` client socket these tests use. */
interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  once(event: 'open' | 'close', listener: () => void): void;
  send(data: string): void;
  close(): void;
}
const WebSocket = WebSocketUntyped as unknown as new (
  url: string,
  options: { headers: Record<string, string> },
) => WsClient;

export interface BuildMessage {
  readonly type: string;
  readonly buildId?: string;
  readonly status?: string;
  readonly step?: string;
  readonly progress?: number;
  readonly message?: string;
  readonly artifacts?: readonly { type: string; sha256: string | null; sizeBytes: number }[];
}

/**
 * Opens `/ws`, subscribes to `buildId` and collects every message until BUILD_COMPLETE for that build
 * (resolved with all messages) or `timeoutMs` (rejected, with the message types seen so far).
 */
export async function followBuild(
  baseUrl: string,
  apiKey: string,
  buildId: string,
  timeoutMs: number,
): Promise<BuildMessage[]> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const messages: BuildMessage[] = [];
  try {
    return await new Promise<BuildMessage[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no BUILD_COMPLETE within ${timeoutMs} ms; saw ${summarize(messages)}`));
      }, timeoutMs);
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('open', () => {
        socket.send(JSON.stringify({ type: 'SUBSCRIBE', buildId }));
      });
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as BuildMessage;
        messages.push(message);
        if (message.type === 'BUILD_COMPLETE' && message.buildId === buildId) {
          clearTimeout(timer);
          resolve(messages);
        }
      });
    });
  } finally {
    socket.close();
  }
}

function summarize(messages: readonly BuildMessage[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  return JSON.stringify(Object.fromEntries(counts));
}

/** JSON request against the running server; answers status, headers and the parsed body. */
export async function api(
  baseUrl: string,
  apiKey: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `GET /api/build/status/:id` until `done(status)` or the timeout. */
export async function waitForStatus(
  baseUrl: string,
  apiKey: string,
  buildId: string,
  done: (status: string) => boolean,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    try {
      const res = await api(baseUrl, apiKey, `/api/build/status/${buildId}?logsLimit=0`);
      last = res.body;
      if (res.status === 200 && done(String(res.body.status))) return res.body;
    } catch {
      // The server is (re)starting.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`build ${buildId} not done within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/**
 * Removes the executor's build-key cache entry of a finished build (its `manifest.json` under
 * ARTIFACTS_DIR names the key), so test runs with unique specs do not pile up ~0.5 GB each under
 * CACHE_DIR/builds.
 */
export async function dropBuildCacheEntry(
  artifactsDir: string,
  buildId: string,
  cacheDir: string,
): Promise<void> {
  let manifest: { buildKey?: unknown };
  try {
    manifest = JSON.parse(
      await readFile(join(buildArtifactsDir(artifactsDir, buildId), 'manifest.json'), 'utf8'),
    ) as { buildKey?: unknown };
  } catch {
    return;
  }
  if (typeof manifest.buildKey === 'string' && /^[0-9a-f]{64}$/.test(manifest.buildKey)) {
    await rm(join(cacheDir, 'builds', manifest.buildKey), { recursive: true, force: true });
  }
}

/** `tsx src/bin/server.ts` (what `npm start` runs) as a child in its own process group. */
export interface ServerChild {
  readonly proc: ChildProcess;
  readonly output: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export function spawnServer(env: Record<string, string>): ServerChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/bin/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a kill -9 of the group takes the build tools it spawned with it, as a
    // machine or container crash would.
    detached: true,
  });
  const output: string[] = [];
  const collect = (chunk: string): void => {
    output.push(...chunk.split('\n').filter(Boolean));
  };
  proc.stdout.setEncoding('utf8').on('data', collect);
  proc.stderr.setEncoding('utf8').on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      resolve(code);
    });
  });
  return { proc, output, exited };
}

/** SIGKILLs the child's whole process group (no-op when it already exited). */
export function killGroup(child: ServerChild): void {
  if (child.proc.pid === undefined || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  try {
    process.kill(-child.proc.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Waits until `GET /health/live` answers 200. */
export async function waitUntilListening(
  baseUrl: string,
  child: ServerChild,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) {
      throw new Error(`server exited (${child.proc.exitCode}): ${child.output.slice(-20).join('\n')}`);
    }
    try {
      if ((await fetch(`${baseUrl}/health/live`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not listening within ${timeoutMs} ms: ${child.output.slice(-20).join('\n')}`);
}
