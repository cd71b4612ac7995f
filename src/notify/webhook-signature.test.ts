import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAllowlistedHost } from './url-guard.js';
import { retryDelayMs } from './webhook.dispatcher.js';
import { generateWebhookSecret, signWebhookBody, verifyWebhookSignature } from './webhook-signature.js';

describe('webhook signatures', () => {
  const secret = generateWebhookSecret();
  const body = '{"event":"build.completed","data":{"buildId":"b1"}}';
  const now = 1_800_000_000;

  it('is sha256= HMAC-SHA256 over "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signWebhookBody(secret, now, body)).toBe(`sha256=${expected}`);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });

  it('verifies the right secret, body and a fresh timestamp only', () => {
    const signature = signWebhookBody(secret, now, body);
    const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({
        secret,
        signature,
        timestamp: String(now),
        body,
        nowSeconds: now + 10,
        ...over,
      });
    expect(check({})).toBe('valid');
    expect(check({ secret: generateWebhookSecret() })).toBe('mismatch');
    expect(check({ body: `${body} ` })).toBe('mismatch');
    expect(check({ timestamp: String(now + 1) })).toBe('mismatch');
    expect(check({ nowSeconds: now + 301 })).toBe('expired');
    expect(check({ signature: undefined })).toBe('malformed');
    expect(check({ signature: 'md5=abc' })).toBe('malformed');
    expect(check({ timestamp: 'yesterday' })).toBe('malformed');
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base, caps at the maximum, jitters by ±20 %', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, () => 0.5))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect(retryDelayMs(20, 1000, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(800);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1200);
  });
});

describe('isAllowlistedHost', () => {
  it('matches exact names and IPs case-insensitively, and *.suffix sub-domains only', () => {
    const list = ['Hooks.Internal', '127.0.0.1', '::1', '*.corp.example'];
    expect(isAllowlistedHost('hooks.internal', list)).toBe(true);
    expect(isAllowlistedHost('hooks.internal.', list)).toBe(true);
    expect(isAllowlistedHost('127.0.0.1', list)).toBe(true);
    expect(isAllowlistedHost('[::1]', list)).toBe(true);
    expect(isAllowlistedHost('ci.corp.example', list)).toBe(true);
    expect(isAllowlistedHost('corp.example', list)).toBe(false);
    expect(isAllowlistedHost('evilcorp.example', list)).toBe(false);
    expect(isAllowlistedHost('127.0.0.2', list)).toBe(false);
    expect(isAllowlistedHost('hooks.internal.evil.com', list)).toBe(false);
    expect(isAllowlistedHost('anything', [])).toBe(false);
  });
});
