import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signRequest, verifySignature } from '../../../src/workspace/signing.js';
import { sharedPath } from '../../support/shared.js';

const vector = JSON.parse(readFileSync(sharedPath('fixtures/slack/signing-test-vector.json'), 'utf8')) as {
  signing_secret: string;
  timestamp: string;
  body: string;
  signature: string;
};

describe('workspace signing', () => {
  const base = {
    secret: vector.signing_secret,
    timestamp: vector.timestamp,
    body: vector.body,
    signature: vector.signature,
    nowSeconds: Number(vector.timestamp),
  };

  it("reproduces Slack's published signature", () => {
    expect(signRequest(vector.signing_secret, vector.timestamp, vector.body)).toBe(vector.signature);
    expect(signRequest(vector.signing_secret, Number(vector.timestamp), Buffer.from(vector.body))).toBe(
      vector.signature,
    );
  });

  it('verifies the vector and rejects any change to it', () => {
    expect(verifySignature(base)).toBe(true);
    expect(verifySignature({ ...base, body: `${vector.body} ` })).toBe(false);
    expect(verifySignature({ ...base, secret: 'other-secret' })).toBe(false);
    expect(verifySignature({ ...base, signature: vector.signature.replace('v0=', 'v1=') })).toBe(false);
    expect(verifySignature({ ...base, signature: vector.signature.slice(0, -1) })).toBe(false);
    expect(verifySignature({ ...base, signature: undefined })).toBe(false);
    expect(verifySignature({ ...base, timestamp: undefined })).toBe(false);
    expect(verifySignature({ ...base, timestamp: 'abc' })).toBe(false);
  });

  it('rejects timestamps more than five minutes away, past or future', () => {
    const ts = Number(vector.timestamp);
    expect(verifySignature({ ...base, nowSeconds: ts + 300 })).toBe(true);
    expect(verifySignature({ ...base, nowSeconds: ts - 300 })).toBe(true);
    expect(verifySignature({ ...base, nowSeconds: ts + 301 })).toBe(false);
    expect(verifySignature({ ...base, nowSeconds: ts - 301 })).toBe(false);
    // Without an injected clock the 2018 vector is stale.
    expect(verifySignature({ ...base, nowSeconds: undefined })).toBe(false);
  });
});
