import {
  isTerminalStatus,
  type BuildCompleteEvent,
  type BuildDetails,
  type BuildEvent,
  type BuildPage,
  type BuildSpec,
  type BuildStatus,
  type BuildSummary,
  type CancelResult,
  type DownloadType,
  type Issue,
  type Preset,
  type PresetSummary,
  type PromptInput,
  type StartBuildResult,
  type ValidationReport,
} from './api.types.js';
import { LbeApiError, LbeError, SDK_ERROR_CODES } from './sdk.errors.js';

/**
 * Any constructor of the browser WebSocket API: the global one (browsers, Node ≥ 22), `ws`, undici's.
 * Contract used: `new C(url)`, `onopen`, `onmessage` (`event.data` is the text frame), `onerror`,
 * `onclose`, `send(string)`, `close()`.
 */
export type WebSocketConstructor = new (url: string) => unknown;

interface WebSocketLike {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LbeClientOptions {
  /** Where the API listens, e.g. `http://localhost:3000` (a path prefix behind a proxy is kept). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (and `?apiKey=` on the event socket). Omit in embedded mode. */
  readonly apiKey?: string;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Default: the global `WebSocket` (browsers, Node ≥ 22). Needed for `followBuild` elsewhere. */
  readonly WebSocket?: WebSocketConstructor;
  /** Time limit of one JSON request (default 30 s); downloads are limited only by their signal. */
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

export interface ListBuildsOptions extends RequestOptions {
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  readonly status?: BuildStatus;
  /** 1–100 (server default 20). */
  readonly limit?: number;
}

export interface GetBuildOptions extends RequestOptions {
  /** Only log lines with `seq` greater than this. */
  readonly logsAfter?: number;
  /** At most this many log lines (server default 200; 0 for none). */
  readonly logsLimit?: number;
}

/** One byte range: `{start}` to the end, `{start, end}` inclusive, or the last `{suffix}` bytes. */
export type ByteRange = { readonly start: number; readonly end?: number } | { readonly suffix: number };

export interface DownloadOptions extends RequestOptions {
  readonly range?: ByteRange;
  /** An ETag from an earlier download: the answer is then a 304 Response with no body. */
  readonly ifNoneMatch?: string;
}

export interface WaitOptions extends RequestOptions {
  /** Poll period (default 2000 ms). */
  readonly intervalMs?: number;
  /** Give up with LBE_SDK_TIMEOUT after this long (default: never). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A client of the lbe HTTP API. Every method throws `LbeApiError` (with the server's code, status,
 * request id and issues) for an error answer, and `LbeError` with one of SDK_ERROR_CODES for transport
 * problems. It holds no connection between calls.
 */
export class LbeClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly WebSocketCtor: WebSocketConstructor | undefined;
  private readonly timeoutMs: number;

  constructor(options: LbeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.WebSocketCtor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Queues a build of a spec (202, QUEUED), or returns the earlier identical SUCCESS build (`reused`). */
  startBuild(
    input: BuildSpec | PromptInput,
    options: RequestOptions & { readonly force?: boolean } = {},
  ): Promise<StartBuildResult> {
    const query = options.force === true ? '?force=true' : '';
    return this.json('POST', `/api/build/start${query}`, input, options.signal);
  }

  /** Every error and warning of a spec with its JSON path; an invalid spec is `valid: false`, not thrown. */
  validate(spec: BuildSpec, options: RequestOptions = {}): Promise<ValidationReport> {
    return this.json('POST', '/api/build/validate', spec, options.signal);
  }

  /** Status, step, progress, timings, a page of logs and the artifacts of one build. */
  getBuild(id: string, options: GetBuildOptions = {}): Promise<BuildDetails> {
    const query = searchParams({ logsAfter: options.logsAfter, logsLimit: options.logsLimit });
    return this.json('GET', `/api/build/status/${encodeURIComponent(id)}${query}`, undefined, options.signal);
  }

  /** One page of builds, newest first. A string argument is the cursor. */
  listBuilds(cursorOrOptions: string | ListBuildsOptions = {}): Promise<BuildPage> {
    const options = typeof cursorOrOptions === 'string' ? { cursor: cursorOrOptions } : cursorOrOptions;
    const query = searchParams({ cursor: options.cursor, status: options.status, limit: options.limit });
    return this.json('GET', `/api/builds${query}`, undefined, options.signal);
  }

  /** Every build (newest first), page by page. */
  async *iterateBuilds(options: Omit<ListBuildsOptions, 'cursor'> = {}): AsyncGenerator<BuildSummary> {
    let cursor: string | undefined;
    do {
      const page = await this.listBuilds({ ...options, ...(cursor === undefined ? {} : { cursor }) });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Cancels a build: a queued one at once, a running one by its worker (`cancelRequested`); 409 when finished. */
  cancel(id: string, options: RequestOptions = {}): Promise<CancelResult> {
    return this.json('POST', `/api/build/${encodeURIComponent(id)}/cancel`, undefined, options.signal);
  }

  listPresets(options: RequestOptions = {}): Promise<readonly PresetSummary[]> {
    return this.json<{ presets: PresetSummary[] }>('GET', '/api/presets', undefined, options.signal).then(
      (r) => r.presets,
    );
  }

  getPreset(name: string, options: RequestOptions = {}): Promise<Preset> {
    return this.json('GET', `/api/presets/${encodeURIComponent(name)}`, undefined, options.signal);
  }

  /**
   * Starts downloading an artifact and returns the Response once its headers arrived: 200 (whole file),
   * 206 (a range, with Content-Range) or 304 (ETag matched). Read `response.body` as a stream, or
   * `arrayBuffer()`. Error answers (404, 410 expired, 416 bad range) throw LbeApiError.
   */
  async download(id: string, type: DownloadType, options: DownloadOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.range !== undefined) headers.range = rangeHeader(options.range);
    if (options.ifNoneMatch !== undefined) headers['if-none-match'] = options.ifNoneMatch;
    const response = await this.send(
      'GET',
      `/api/build/download/${encodeURIComponent(id)}/${encodeURIComponent(type)}`,
      { headers, signal: options.signal },
    );
    if (response.ok || response.status === 304) return response;
    throw await toApiError(response);
  }

  /**
   * Follows a build's live events over the WebSocket `/ws`: calls `onEvent` for each message (SUBSCRIBED,
   * LOG, STEP, BUILD_STATUS, BUILD_COMPLETE) and resolves with BUILD_COMPLETE (at once for a finished
   * build), then closes the socket. Rejects with LbeApiError for an ERROR event of this build (e.g.
   * LBE_BUILD_NOT_FOUND, status 0), LBE_SDK_WEBSOCKET when the socket closes first, LBE_SDK_ABORTED when
   * `signal` fires. A throwing `onEvent` rejects the promise with its error. Events travel on the serving
   * process's bus: for builds run by separate workers, use `waitForBuild`.
   */
  followBuild(
    id: string,
    onEvent: (event: BuildEvent) => void = () => undefined,
    options: RequestOptions = {},
  ): Promise<BuildCompleteEvent> {
    const Ctor = this.WebSocketCtor;
    if (Ctor === undefined) {
      return Promise.reject(
        new LbeError(SDK_ERROR_CODES.noWebSocket, 'No WebSocket: pass one as the WebSocket option'),
      );
    }
    const url = new URL(`${this.baseUrl}/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.apiKey !== undefined) url.searchParams.set('apiKey', this.apiKey);

    return new Promise<BuildCompleteEvent>((resolve, reject) => {
      if (options.signal?.aborted === true) {
        reject(new LbeError(SDK_ERROR_CODES.aborted, 'Aborted'));
        return;
      }
      const socket = new Ctor(url.toString()) as WebSocketLike;
      let settled = false;
      const finish = (outcome: { event: BuildCompleteEvent } | { error: Error }): void => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        socket.onclose = null;
        socket.onmessage = null;
        socket.close(1000);
        if ('event' in outcome) resolve(outcome.event);
        else reject(outcome.error);
      };
      const onAbort = (): void => {
        finish({ error: new LbeError(SDK_ERROR_CODES.aborted, 'Aborted') });
      };
      options.signal?.addEventListener('abort', onAbort);
      socket.onopen = () => {
        socket.send(JSON.stringify({ type: 'SUBSCRIBE', buildId: id }));
      };
      socket.onmessage = (message) => {
        const event = parseEvent(message.data);
        if (event === undefined) return;
        if ('buildId' in event && event.buildId !== undefined && event.buildId !== id) return;
        try {
          onEvent(event);
        } catch (error) {
          finish({ error: error instanceof Error ? error : new Error(String(error)) });
          return;
        }
        if (event.type === 'BUILD_COMPLETE') finish({ event });
        else if (event.type === 'ERROR')
          finish({ error: new LbeApiError(event.code, event.message, 0, undefined) });
      };
      socket.onerror = () => {
        // A close event always follows; it carries the reason.
      };
      socket.onclose = (event) => {
        const detail = event.code === undefined ? '' : ` (code ${event.code})`;
        finish({
          error: new LbeError(
            SDK_ERROR_CODES.websocket,
            `Event socket closed before the build finished${detail}`,
          ),
        });
      };
    });
  }

  /**
   * Polls the build's status until it is SUCCESS, FAILED or CANCELLED and returns it (it does not throw
   * for FAILED: check `status` and `error`). Works with any deployment, including separate workers.
   */
  async waitForBuild(id: string, options: WaitOptions = {}): Promise<BuildDetails> {
    const interval = options.intervalMs ?? 2000;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      const build = await this.getBuild(id, { logsLimit: 0, signal: options.signal });
      if (isTerminalStatus(build.status)) return build;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new LbeError(SDK_ERROR_CODES.timeout, `Build ${id} is still ${build.status}`);
      }
      await sleep(Math.min(interval, left), options.signal);
    }
  }

  private async json<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const response = await this.send(method, path, {
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      timeout,
    });
    if (!response.ok) throw await toApiError(response);
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new LbeError(SDK_ERROR_CODES.badResponse, `${method} ${path}: the answer is not JSON`, {
        cause,
      });
    }
  }

  private async send(
    method: string,
    path: string,
    init: {
      headers: Record<string, string>;
      body?: string | undefined;
      signal?: AbortSignal | undefined;
      timeout?: AbortSignal;
    },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    try {
      return await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
    } catch (cause) {
      if (init.timeout?.aborted === true) {
        throw new LbeError(
          SDK_ERROR_CODES.timeout,
          `${method} ${path} took longer than ${this.timeoutMs} ms`,
          {
            cause,
          },
        );
      }
      if (init.signal?.aborted === true) throw new LbeError(SDK_ERROR_CODES.aborted, 'Aborted', { cause });
      throw new LbeError(SDK_ERROR_CODES.network, `${method} ${path}: the server could not be reached`, {
        cause,
      });
    }
  }
}

/** The API's `{error: {code, message, requestId, issues}}` body as an LbeApiError. */
async function toApiError(response: Response): Promise<LbeError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; requestId?: unknown; issues?: unknown };
    if (typeof e.code === 'string') {
      return new LbeApiError(
        e.code,
        typeof e.message === 'string' ? e.message : e.code,
        response.status,
        typeof e.requestId === 'string' ? e.requestId : requestId,
        Array.isArray(e.issues) ? (e.issues as Issue[]) : [],
      );
    }
  }
  return new LbeApiError(
    SDK_ERROR_CODES.badResponse,
    `HTTP ${response.status} without an API error body`,
    response.status,
    requestId,
  );
}

function parseEvent(data: unknown): BuildEvent | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer || data instanceof Uint8Array) text = new TextDecoder().decode(data);
  else return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && 'type' in value ? (value as BuildEvent) : undefined;
  } catch {
    return undefined;
  }
}

function searchParams(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.start}-${range.end ?? ''}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new LbeError(SDK_ERROR_CODES.aborted, 'Aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new LbeError(SDK_ERROR_CODES.aborted, 'Aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
