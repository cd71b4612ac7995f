import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { NodeProcessRunner, type ProcessRunner } from '../../src/executor/process/process-runner.js';
import { freePort, waitUntil } from './free-port.js';

/**
 * A throw-away OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1.
 *
 * argv: `docker-registry serve <TMP>/config.yml` — config: version 0.1, filesystem storage in <TMP>/data,
 *   `http.addr: 127.0.0.1:<free port>`, and with `auth` an htpasswd file (bcrypt, made by
 *   `/usr/bin/python3 -c <crypt>` with the password on stdin; Debian's python3 has the `crypt` module).
 * Ready when `GET http://127.0.0.1:PORT/v2/` answers 200 (401 with auth). `stop()` aborts the process group
 * and removes <TMP>; it may be called twice. The registry speaks plain HTTP: clients need `--tls-verify=false`.
 */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`, the registry part of destinations. */
  readonly host: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** Every line the registry logged (its access log includes request headers' user names, never passwords). */
  readonly logs: readonly string[];
  stop(): Promise<void>;
}

const PYTHON_BCRYPT =
  'import crypt,sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH)), end="")';

/** A bcrypt hash of `password`, or undefined when this host cannot make one without new packages. */
export async function bcryptHash(
  password: string,
  runner: ProcessRunner = new NodeProcessRunner(),
): Promise<string | undefined> {
  try {
    const r = await runner.run('/usr/bin/python3', ['-W', 'ignore', '-c', PYTHON_BCRYPT], {
      stdin: password,
      timeoutMs: 30_000,
    });
    return /^\$2[aby]\$\d\d\$/.test(r.stdout) ? r.stdout : undefined;
  } catch {
    return undefined;
  }
}

export async function startLocalRegistry(
  options: { auth?: { username: string; password: string }; runner?: ProcessRunner } = {},
): Promise<LocalRegistry> {
  const runner = options.runner ?? new NodeProcessRunner();
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: path.join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: host, secret: 'lbe-test-secret' },
  };
  if (options.auth !== undefined) {
    const hash = await bcryptHash(options.auth.password, runner);
    if (hash === undefined) {
      await rm(dir, { recursive: true, force: true });
      throw new Error('cannot make a bcrypt htpasswd entry on this host (needs /usr/bin/python3 with crypt)');
    }
    await writeFile(path.join(dir, 'htpasswd'), `${options.auth.username}:${hash}\n`, { mode: 0o600 });
    config.auth = { htpasswd: { realm: 'lbe-test', path: path.join(dir, 'htpasswd') } };
  }
  const configFile = path.join(dir, 'config.yml');
  await writeFile(configFile, stringify(config));

  const logs: string[] = [];
  const controller = new AbortController();
  let exitReason: string | undefined;
  const running = runner
    .run('docker-registry', ['serve', configFile], {
      signal: controller.signal,
      captureStdout: false,
      onLine: (line) => logs.push(line),
    })
    .then(
      () => {
        exitReason = 'docker-registry exited';
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
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntil(
      async () => {
        const res = await fetch(`http://${host}/v2/`);
        return res.status === 200 || (options.auth !== undefined && res.status === 401);
      },
      {
        timeoutMs: 20_000,
        what: `docker-registry on ${host}`,
        failed: () => (exitReason === undefined ? undefined : `${exitReason}\n${logs.slice(-10).join('\n')}`),
      },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, logs, stop, ...(options.auth === undefined ? {} : { auth: options.auth }) };
}
