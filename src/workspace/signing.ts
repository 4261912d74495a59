import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects (and Bolt should reject) requests whose timestamp is further than this from now. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Computes Slack's request signature: `v0=` + hex(HMAC-SHA256(secret, `v0:{timestamp}:{body}`)).
 * The body must be the exact bytes sent on the wire, so a re-serialised object will not match.
 */
export function signRequest(signingSecret: string, timestamp: number | string, body: string | Buffer): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}

/** Field names match src/slack/signature.ts so both verifiers read the same. */
export interface VerifySignatureInput {
  secret: string;
  /** Value of `X-Slack-Request-Timestamp` (seconds since the epoch). */
  timestamp: string | number | undefined;
  /** The raw request body, exactly as received. */
  body: string | Buffer;
  /** Value of `X-Slack-Signature`. */
  signature: string | undefined;
  /** Current time in seconds; injected so tests can check old vectors. Defaults to the wall clock. */
  nowSeconds?: number;
  /** Maximum |now − timestamp| in seconds; both stale and future timestamps fail (replay protection). */
  toleranceSeconds?: number;
}

/**
 * Verifies a Slack request signature in constant time. Returns false (never throws) for missing headers,
 * malformed timestamps, timestamps outside the tolerance window or a wrong signature.
 */
export function verifySignature(input: VerifySignatureInput): boolean {
  const { secret, timestamp, body, signature } = input;
  if (timestamp === undefined || signature === undefined) return false;
  const tsText = String(timestamp);
  if (!/^\d{1,12}$/.test(tsText)) return false;
  const nowSeconds = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - Number(tsText)) > tolerance) return false;

  const expected = Buffer.from(signRequest(secret, tsText, body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual throws on unequal lengths; the length of a signature is not a secret.
  if (expected.length !== given.length) return false;
  return timingSafeEqual(expected, given);
}
