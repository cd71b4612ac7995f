import { createHash } from 'node:crypto';

/**
 * A strong ETag for a response body: the quoted base64url sha1 of its bytes. Lets polling clients
 * revalidate with `If-None-Match` and get 304 without the body; not a security boundary (the body is
 * already the caller's to read).
 */
export function bodyEntityTag(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** `If-None-Match` may list several ETags or `*`; weak prefixes are ignored for comparison (RFC 9110 §13.1.2). */
export function matchesEntityTag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
