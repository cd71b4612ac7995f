import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { LbeError } from '../errors/index.js';
import { classifyAddress, type AddressClass } from './address-classifier.js';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Resolves a host name to every address it has (A and AAAA). Injected so tests can make a name resolve
 * to 10.x without touching /etc/hosts; the default asks the system resolver (`dns.lookup`, all addresses).
 */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemHostLookup: HostLookup = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface UrlGuardOptions {
  readonly lookup: HostLookup;
  /**
   * `WEBHOOK_ALLOWED_HOSTS`: host names or IP literals (case-insensitive, exact; `*.example.com` matches
   * sub-domains) that may resolve to non-public addresses, for self-hosted receivers and tests.
   */
  readonly allowedHosts: readonly string[];
}

/** A URL that passed the SSRF check, with the one address the request must connect to. */
export interface VettedUrl {
  readonly url: URL;
  /** Host name without IPv6 brackets, for the Host header and TLS server name. */
  readonly hostname: string;
  readonly address: string;
  readonly family: 4 | 6;
  readonly allowlisted: boolean;
}

export type UrlRefusal = 'scheme' | 'credentials' | 'unresolvable' | Exclude<AddressClass, 'public'>;

function refuse(url: string, reason: UrlRefusal, extra: Record<string, unknown> = {}): LbeError {
  const message =
    reason === 'scheme'
      ? 'Webhook URLs must use http or https'
      : reason === 'credentials'
        ? 'Webhook URLs must not carry a user name or password'
        : reason === 'unresolvable'
          ? 'The webhook host name does not resolve'
          : `The webhook URL resolves to a ${reason} address, which webhooks may not reach`;
  return new LbeError(
    reason === 'unresolvable' ? 'LBE_WEBHOOK_URL_UNRESOLVABLE' : 'LBE_WEBHOOK_URL_FORBIDDEN',
    message,
    { details: { url, reason, ...extra } },
  );
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** True when `hostname` is on the allowlist (exact, case-insensitive, or `*.suffix`). */
export function isAllowlistedHost(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = stripBrackets(hostname).toLowerCase().replace(/\.$/, '');
  return allowedHosts.some((entry) => {
    const e = stripBrackets(entry.trim()).toLowerCase().replace(/\.$/, '');
    if (e === '') return false;
    if (e.startsWith('*.')) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
    return host === e;
  });
}

/**
 * The SSRF check, run at registration and again before every delivery attempt: only http(s), no
 * credentials, and every address the host resolves to must be public (one bad address refuses the URL,
 * so a name with a public and a private record cannot be used to reach the private one) unless the host
 * is allowlisted. Returns the first vetted address: the caller connects to exactly that address, so a
 * second DNS answer (rebinding) never gets a say.
 * Throws LBE_WEBHOOK_URL_FORBIDDEN (400) or LBE_WEBHOOK_URL_UNRESOLVABLE (400).
 */
export async function vetWebhookUrl(raw: string, options: UrlGuardOptions): Promise<VettedUrl> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(raw, 'scheme', { detail: 'not an absolute URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(raw, 'scheme');
  if (url.username !== '' || url.password !== '') throw refuse(raw, 'credentials');
  const hostname = stripBrackets(url.hostname);
  const allowlisted = isAllowlistedHost(hostname, options.allowedHosts);

  let addresses: readonly ResolvedAddress[];
  const literal = isIP(hostname);
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await options.lookup(hostname);
    } catch (cause) {
      throw refuse(raw, 'unresolvable', { host: hostname, cause: String(cause) });
    }
    if (addresses.length === 0) throw refuse(raw, 'unresolvable', { host: hostname });
  }
  if (!allowlisted) {
    for (const a of addresses) {
      const kind = classifyAddress(a.address);
      if (kind !== 'public') throw refuse(raw, kind, { host: hostname, address: a.address });
    }
  }
  const [first] = addresses;
  if (first === undefined) throw refuse(raw, 'unresolvable', { host: hostname });
  return { url, hostname, address: first.address, family: first.family, allowlisted };
}
