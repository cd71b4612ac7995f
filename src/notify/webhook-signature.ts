import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. The signed content is `${timestamp}.${body}`: the Unix time in seconds from the
 * `X-Webhook-Timestamp` header, a dot, and the exact request body bytes. The header is
 * `X-Webhook-Signature: sha256=<lowercase hex HMAC-SHA256 with the webhook's secret>`.
 * Covering the timestamp lets a receiver reject replays: it refuses timestamps older than its tolerance
 * and remembers the `X-Webhook-Id` of deliveries it has processed.
 */
export const SIGNATURE_PREFIX = 'sha256=';

/** A fresh webhook secret: `whsec_` + 32 random bytes, base64url. Shown once, at creation. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `${SIGNATURE_PREFIX}${mac}`;
}

export type SignatureCheck = 'valid' | 'mismatch' | 'malformed' | 'expired';

/**
 * Verifies a delivery the way a receiver should: constant-time comparison of the signature over
 * `${timestamp}.${body}`, and the timestamp within `toleranceSeconds` (default 300) of `nowSeconds`.
 */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  readonly body: string;
  readonly nowSeconds?: number;
  readonly toleranceSeconds?: number;
}): SignatureCheck {
  const { signature, timestamp } = input;
  if (signature?.startsWith(SIGNATURE_PREFIX) !== true || timestamp === undefined) return 'malformed';
  if (!/^\d{1,12}$/.test(timestamp)) return 'malformed';
  const ts = Number(timestamp);
  const expected = Buffer.from(signWebhookBody(input.secret, ts, input.body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'mismatch';
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (input.toleranceSeconds ?? 300)) return 'expired';
  return 'valid';
}
