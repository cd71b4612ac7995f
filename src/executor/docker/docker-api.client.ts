import { createReadStream } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import { isLbeError, LbeError } from '../../errors/index.js';

/**
 * A minimal Docker Engine API client over Node's http module — no `docker` CLI and no npm dependency.
 * It speaks the Docker Engine API v1.41, which both Docker Engine and `podman system service` serve.
 *
 * Endpoint: DOCKER_HOST as `unix:///path.sock`, a bare socket path, or `tcp://host:port` (plain HTTP; TLS is
 * not supported — put a TLS-terminating proxy or an SSH tunnel in front of a remote engine).
 * Contract: every request honours `signal` (abort destroys the socket → LBE_BUILD_CANCELLED) and `timeoutMs`
 * (→ LBE_BUILD_TIMEOUT); a refused or missing socket → LBE_BUILD_ENGINE_UNAVAILABLE. HTTP error statuses are
 * returned to the caller (request/json) or thrown as DockerApiError (stream), with the engine's message.
 */

export type DockerEndpoint =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const API_PREFIX = '/v1.41';

/** Parses DOCKER_HOST. Throws LBE_CONFIG_INVALID for schemes other than unix:// and tcp://. */
export function parseDockerHost(value: string | undefined): DockerEndpoint {
  const host = value === undefined || value.trim() === '' ? DEFAULT_DOCKER_HOST : value.trim();
  if (host.startsWith('unix://')) return { kind: 'unix', socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { kind: 'unix', socketPath: host };
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/]+)(?::(\d{1,5}))?\/?$/.exec(host);
  if (m?.[1] !== undefined) {
    return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2] ?? '2375') };
  }
  throw new LbeError(
    'LBE_CONFIG_INVALID',
    `DOCKER_HOST must be unix:///path or tcp://host:port, not ${host}`,
  );
}

/** An HTTP error answer of the engine; `status` is the HTTP status, `message` the engine's own text. */
export class DockerApiError extends LbeError {
  constructor(
    readonly httpStatus: number,
    readonly engineMessage: string,
    what: string,
    readonly tail: readonly string[] = [],
  ) {
    super(
      'LBE_BUILD_STEP_FAILED',
      `${what}: ${engineMessage === '' ? `HTTP ${httpStatus}` : engineMessage}`,
      {
        details: { httpStatus, tail },
      },
    );
  }
}

export interface DockerRequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body: bytes, a JSON value (sent as application/json), or a file streamed from disk. */
  readonly body?:
    | { readonly bytes: Buffer | string }
    | { readonly json: unknown }
    | { readonly file: string; readonly contentType: string };
  readonly signal?: AbortSignal;
  /** Wall-clock limit for the whole exchange, response body included when the caller consumes it. */
  readonly timeoutMs?: number;
}

/** One message of the engine's JSON-lines progress streams (/build, /images/create, /push, /load). */
export interface DockerStreamMessage {
  readonly stream?: string;
  readonly status?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: Readonly<Record<string, unknown>>;
  readonly id?: string;
}

export class DockerApiClient {
  constructor(readonly endpoint: DockerEndpoint) {}

  /** Sends a request; resolves with the response (status and a body stream the caller must consume). */
  request(method: string, path: string, options: DockerRequestOptions = {}): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (options.signal?.aborted === true) {
        reject(
          new LbeError('LBE_BUILD_CANCELLED', `${method} ${path} was not sent: the build was cancelled`),
        );
        return;
      }
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) search.set(k, String(v));
      const qs = search.toString();
      const headers: Record<string, string> = { ...options.headers };
      let payload: Buffer | undefined;
      let file: string | undefined;
      const body = options.body;
      if (body !== undefined) {
        if ('bytes' in body) {
          payload = Buffer.from(body.bytes);
          headers['Content-Type'] ??= 'application/octet-stream';
        } else if ('json' in body) {
          payload = Buffer.from(JSON.stringify(body.json));
          headers['Content-Type'] = 'application/json';
        } else {
          file = body.file;
          headers['Content-Type'] = body.contentType;
        }
      }
      const req = http.request({
        method,
        path: `${API_PREFIX}${path}${qs === '' ? '' : `?${qs}`}`,
        headers,
        ...(this.endpoint.kind === 'unix'
          ? { socketPath: this.endpoint.socketPath }
          : { host: this.endpoint.host, port: this.endpoint.port }),
      });
      let failure: LbeError | undefined;
      let response: IncomingMessage | undefined;
      // Abort and timeout also cover the response body: once it is flowing, destroying the response makes
      // the consumer see this LbeError (not a generic "socket closed").
      const fail = (err: LbeError): void => {
        failure ??= err;
        if (response !== undefined) response.destroy(err);
        else req.destroy(err);
      };
      const onAbort = (): void => {
        fail(new LbeError('LBE_BUILD_CANCELLED', `${method} ${path} was stopped: the build was cancelled`));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              fail(
                new LbeError(
                  'LBE_BUILD_TIMEOUT',
                  `${method} ${path} exceeded its time limit of ${options.timeoutMs ?? 0} ms`,
                ),
              );
            }, options.timeoutMs);
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (res) => {
        response = res;
        res.on('close', cleanup);
        res.on('error', () => {
          cleanup();
        });
        resolve(res);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        cleanup();
        if (failure !== undefined) {
          reject(failure);
          return;
        }
        if (
          err.code === 'ECONNREFUSED' ||
          err.code === 'ENOENT' ||
          err.code === 'EACCES' ||
          err.code === 'ECONNRESET'
        ) {
          reject(
            new LbeError(
              'LBE_BUILD_ENGINE_UNAVAILABLE',
              `The Docker API at ${describeEndpoint(this.endpoint)} is not reachable: ${err.message}`,
              {
                cause: err,
              },
            ),
          );
          return;
        }
        reject(
          new LbeError('LBE_BUILD_STEP_FAILED', `${method} ${path} failed: ${err.message}`, { cause: err }),
        );
      });
      if (file !== undefined) {
        const fileName = file;
        const source = createReadStream(fileName);
        source.on('error', (err) => {
          fail(
            new LbeError('LBE_BUILD_STEP_FAILED', `cannot read ${fileName}: ${err.message}`, {
              cause: err,
            }),
          );
        });
        source.pipe(req);
      } else {
        req.end(payload);
      }
    });
  }

  /** Request + whole body as text. */
  async text(
    method: string,
    path: string,
    options: DockerRequestOptions = {},
  ): Promise<{ status: number; text: string }> {
    const res = await this.request(method, path, options);
    return { status: res.statusCode ?? 0, text: await readBody(res) };
  }

  /** Request + JSON body (undefined when the body is empty or not JSON). */
  async json(
    method: string,
    path: string,
    options: DockerRequestOptions = {},
  ): Promise<{ status: number; body: unknown }> {
    const { status, text } = await this.text(method, path, options);
    let body: unknown;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      body = undefined;
    }
    return { status, body };
  }

  /**
   * Request whose answer is a JSON-lines progress stream. Calls `onMessage` per message and resolves with all
   * of them once the stream ends. Throws DockerApiError for an HTTP error status or for an `error` message in
   * the stream (the engine reports build failures that way, with status 200), carrying the last lines.
   */
  async stream(
    method: string,
    path: string,
    options: DockerRequestOptions & { readonly what: string },
    onMessage: (message: DockerStreamMessage) => void,
  ): Promise<DockerStreamMessage[]> {
    const res = await this.request(method, path, options);
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      const text = await readBody(res);
      throw new DockerApiError(status, engineMessage(text), options.what);
    }
    const messages: DockerStreamMessage[] = [];
    const tail: string[] = [];
    let pending = '';
    let streamError: string | undefined;
    const handle = (line: string): void => {
      if (line.trim() === '') return;
      let message: DockerStreamMessage;
      try {
        message = JSON.parse(line) as DockerStreamMessage;
      } catch {
        message = { stream: line };
      }
      messages.push(message);
      const text = message.error ?? message.stream ?? message.status;
      if (text !== undefined) {
        for (const l of text.split('\n')) {
          if (l.trim() === '') continue;
          tail.push(l);
          if (tail.length > 50) tail.shift();
        }
      }
      if (message.error !== undefined) streamError ??= message.errorDetail?.message ?? message.error;
      onMessage(message);
    };
    await new Promise<void>((resolve, reject) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) handle(l);
      });
      res.on('end', () => {
        handle(pending);
        resolve();
      });
      let ended = false;
      res.on('end', () => {
        ended = true;
      });
      res.on('error', (err) => {
        reject(
          isLbeError(err)
            ? err
            : new LbeError('LBE_BUILD_STEP_FAILED', `${options.what}: ${err.message}`, { cause: err }),
        );
      });
      res.on('close', () => {
        if (!ended)
          reject(new LbeError('LBE_BUILD_STEP_FAILED', `${options.what}: the engine closed the stream`));
      });
    });
    if (streamError !== undefined) throw new DockerApiError(status, streamError.trim(), options.what, tail);
    return messages;
  }
}

export function describeEndpoint(endpoint: DockerEndpoint): string {
  return endpoint.kind === 'unix'
    ? `unix://${endpoint.socketPath}`
    : `tcp://${endpoint.host}:${endpoint.port}`;
}

/** Reads a whole response body as UTF-8 text. */
export async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The engine's error text from an error body (`{"message": …}`), or the raw text. */
export function engineMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return text.trim();
}
