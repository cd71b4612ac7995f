import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { VettedUrl } from './url-guard.js';

/** What one HTTP attempt gave: a status (any, including 3xx) or a transport error. */
export interface SendResult {
  readonly responseStatus: number | null;
  readonly durationMs: number;
  /** Transport error (refused, reset, timeout, TLS); null when a response arrived. */
  readonly error: string | null;
  /** The `Location` header of a 3xx answer, which is never followed. */
  readonly location: string | null;
}

/** How much of a response body is read before the connection is dropped (receivers should answer fast). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * A `lookup` that answers with the vetted address only, so the socket goes exactly where the SSRF check
 * looked (no second DNS query, no rebinding), while the URL's host name still serves as Host header and
 * TLS server name (certificates are checked against the name, not the IP).
 */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) {
      (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
}

/**
 * POSTs `body` to the vetted URL with `headers`, connecting to `vetted.address`. Never follows redirects
 * (a 3xx is returned as is, with its Location). Resolves for every outcome; never throws.
 * Inputs: a fresh `VettedUrl` (vet right before sending), the exact body, the headers to add, a timeout
 * for the whole exchange. The response body is drained up to 64 KiB and discarded.
 */
export function sendWebhookRequest(
  vetted: VettedUrl,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const isHttps = vetted.url.protocol === 'https:';
  const options: RequestOptions & { servername?: string } = {
    method: 'POST',
    protocol: vetted.url.protocol,
    hostname: vetted.hostname,
    port: vetted.url.port === '' ? (isHttps ? 443 : 80) : Number(vetted.url.port),
    path: `${vetted.url.pathname}${vetted.url.search}`,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'LinuxBuilderEngine-Webhooks/1',
      ...headers,
    },
    lookup: pinnedLookup(vetted.address, vetted.family),
    family: vetted.family,
    agent: false,
    signal: AbortSignal.timeout(timeoutMs),
    ...(isHttps && isIP(vetted.hostname) === 0 ? { servername: vetted.hostname } : {}),
  };
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, durationMs: elapsed() });
    };
    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? null;
      const location = typeof res.headers.location === 'string' ? res.headers.location : null;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy();
      });
      const done = () => {
        finish({ responseStatus: status, error: null, location });
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    };
    const req = isHttps ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const timedOut = err.name === 'AbortError' || err.code === 'ABORT_ERR';
      finish({
        responseStatus: null,
        error: timedOut ? `timed out after ${timeoutMs} ms` : `${err.code ?? err.name}: ${err.message}`,
        location: null,
      });
    });
    req.end(body);
  });
}
