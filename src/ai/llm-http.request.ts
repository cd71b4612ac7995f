import { LbeError } from '../errors/index.js';

export interface LlmHttpRequest {
  readonly provider: 'ollama' | 'openai';
  readonly url: string;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Strings that must never appear in an error message (API keys); replaced by `[redacted]`. */
  readonly secrets?: readonly (string | undefined)[];
}

/** A URL safe to show: no user info, no query (some gateways take keys in the query string). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}

function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s !== undefined && s !== '') out = out.split(s).join('[redacted]');
  return out.replace(/Bearer\s+\S+/gi, 'Bearer [redacted]').replace(/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]');
}

/** The provider's own short error text, from `{error: "…"}` (Ollama) or `{error: {message}}` (OpenAI). */
function providerError(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !('error' in parsed)) return undefined;
    const error: unknown = parsed.error;
    if (typeof error === 'string') return error;
    if (
      typeof error === 'object' &&
      error !== null &&
      'message' in error &&
      typeof error.message === 'string'
    ) {
      return error.message;
    }
  } catch {
    // Not JSON: fall through, the raw body is never shown.
  }
  return undefined;
}

function errnoCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && typeof e === 'object' && e !== null; i++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
    e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

/**
 * POSTs `body` as JSON and returns the parsed JSON answer. The timeout covers connecting, waiting and
 * reading the whole body. Errors: see `LlmClient.chat`. A non-2xx message carries the status and the
 * provider's own `error` text (at most 200 characters, secrets scrubbed), never the raw body.
 */
export async function postLlmJson(request: LlmHttpRequest): Promise<unknown> {
  const where = displayUrl(request.url);
  const secrets = request.secrets ?? [];
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
  const details = { provider: request.provider, url: where };
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...request.headers },
      body: JSON.stringify(request.body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      const reason = providerError(text);
      const shown = reason === undefined ? '' : `: ${scrub(reason, secrets).slice(0, 200)}`;
      throw new LbeError(
        'LBE_AI_UNREACHABLE',
        `The LLM server (${request.provider} at ${where}) answered HTTP ${response.status}${shown}`,
        { details: { ...details, status: response.status } },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new LbeError(
        'LBE_AI_UNREACHABLE',
        `The LLM server (${request.provider} at ${where}) answered with something other than JSON`,
        { details: { ...details, status: response.status } },
      );
    }
  } catch (err) {
    if (err instanceof LbeError) throw err;
    if (request.signal?.aborted === true) throw request.signal.reason;
    if (timeout.aborted) {
      throw new LbeError(
        'LBE_AI_TIMEOUT',
        `The LLM server (${request.provider} at ${where}) did not answer within ${request.timeoutMs} ms`,
        { details: { ...details, timeoutMs: request.timeoutMs } },
      );
    }
    const code = errnoCode(err);
    throw new LbeError(
      'LBE_AI_UNREACHABLE',
      `The LLM server (${request.provider} at ${where}) could not be reached${code === undefined ? '' : ` (${code})`}`,
      { details: { ...details, ...(code === undefined ? {} : { errno: code }) }, cause: err },
    );
  }
}

/** Thrown when a 2xx answer does not have the protocol's shape. */
export function unexpectedShape(provider: 'ollama' | 'openai', url: string, what: string): LbeError {
  return new LbeError(
    'LBE_AI_UNREACHABLE',
    `The LLM server (${provider} at ${displayUrl(url)}) answered in an unexpected shape: ${what}`,
    { details: { provider, url: displayUrl(url) } },
  );
}
