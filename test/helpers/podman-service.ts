import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NodeProcessRunner, type ProcessRunner } from '../../src/executor/process/process-runner.js';
import { isDockerAvailable } from '../../src/executor/docker/index.js';
import { waitUntil } from './free-port.js';

/**
 * A private Docker-Engine-API server for tests: `podman system service` on its own socket and storage.
 *
 * argv: `podman --root TMP/root --runroot TMP/run --tmpdir TMP/libpod --storage-driver vfs
 *        --runtime /usr/sbin/runc --cgroup-manager cgroupfs --events-backend file   (or --storage-driver overlay)
 *        system service --time=0 unix:///tmp/lbe-podman-<rand>.sock`
 * Own --root/--runroot/--tmpdir: it never shares images, locks or state with buildah or another suite.
 * vfs: no overlay mounts that could outlive the service and block removing TMP. `--time=0`: never exits idle.
 * Ready when `GET /_ping` answers OK. `stop()` aborts the process group, unmounts anything left under TMP, and
 * removes TMP and the socket; it may be called twice.
 */
export interface PodmanService {
  /** `unix:///tmp/lbe-podman-<rand>.sock`, for DockerBuilder's dockerHost. */
  readonly dockerHost: string;
  readonly logs: readonly string[];
  stop(): Promise<void>;
}

export async function startPodmanService(
  runner: ProcessRunner = new NodeProcessRunner(),
  /** `overlay` for suites that build big images (vfs copies every layer whole); stop() unmounts either way. */
  storageDriver: 'vfs' | 'overlay' = 'vfs',
): Promise<PodmanService> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-podman-'));
  const socket = path.join(tmpdir(), `lbe-podman-${randomBytes(6).toString('hex')}.sock`);
  const dockerHost = `unix://${socket}`;
  const logs: string[] = [];
  const controller = new AbortController();
  let exitReason: string | undefined;
  const running = runner
    .run(
      'podman',
      [
        '--root',
        path.join(dir, 'root'),
        '--runroot',
        path.join(dir, 'run'),
        '--tmpdir',
        path.join(dir, 'libpod'),
        '--storage-driver',
        storageDriver,
        '--runtime',
        '/usr/sbin/runc',
        '--cgroup-manager',
        'cgroupfs',
        '--events-backend',
        'file',
        'system',
        'service',
        '--time=0',
        dockerHost,
      ],
      { signal: controller.signal, captureStdout: false, onLine: (l) => logs.push(l) },
    )
    .then(
      () => {
        exitReason = 'podman system service exited';
      },
      (err: unknown) => {
        exitReason = err instanceof Error ? err.message : String(err);
      },
    );

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    controller.abort();
    await running;
    await unmountUnder(dir, runner);
    await rm(dir, { recursive: true, force: true });
    await rm(socket, { force: true });
  };
  try {
    await waitUntil(() => isDockerAvailable(dockerHost, 1000), {
      timeoutMs: 30_000,
      what: `podman system service on ${dockerHost}`,
      failed: () => (exitReason === undefined ? undefined : `${exitReason}\n${logs.slice(-10).join('\n')}`),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { dockerHost, logs, stop };
}

/** Unmounts (deepest first) every mount point below `dir`, e.g. a container rootfs podman left mounted. */
async function unmountUnder(dir: string, runner: ProcessRunner): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    await runner.run('umount', ['--lazy', m], { timeoutMs: 30_000 }).catch(() => undefined);
  }
}
