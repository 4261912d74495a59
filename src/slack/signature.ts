import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects nothing older than five minutes; Opsdeck also rejects as far into the future (Bolt does not). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** `v0=` + hex(HMAC-SHA256(secret, `v0:{timestamp}:{raw body}`)) — slack-platform.md §1. */
export function signRequest(secret: string, timestamp: number | string, body: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}

/**
 * Checks a request's signature and freshness. Any missing or malformed header, a timestamp more than five minutes
 * from `nowSeconds` either way, another version prefix or a signature that does not match means false.
 */
export function verifySignature(input: {
  secret: string;
  body: string | Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
}): boolean {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || !signature.startsWith('v0=')) return false;
  if (Math.abs(input.nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) return false;
  const expected = Buffer.from(signRequest(input.secret, timestamp, input.body));
  const actual = Buffer.from(signature);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
