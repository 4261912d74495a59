import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signRequest, verifySignature } from '../../../src/slack/signature.js';
import { fixturePath } from '../../support/repo.js';

const vector = JSON.parse(readFileSync(fixturePath('slack/signing-test-vector.json'), 'utf8')) as {
  signing_secret: string;
  timestamp: string;
  body: string;
  signature: string;
};

describe('Slack request signatures', () => {
  const base = {
    secret: vector.signing_secret,
    body: vector.body,
    timestamp: vector.timestamp,
    signature: vector.signature,
  };
  const now = Number(vector.timestamp);

  it("matches Slack's published test vector", () => {
    expect(signRequest(vector.signing_secret, vector.timestamp, vector.body)).toBe(vector.signature);
    expect(verifySignature({ ...base, nowSeconds: now })).toBe(true);
  });

  it('rejects stale and future timestamps beyond five minutes, both ways', () => {
    expect(verifySignature({ ...base, nowSeconds: now + 300 })).toBe(true);
    expect(verifySignature({ ...base, nowSeconds: now + 301 })).toBe(false);
    expect(verifySignature({ ...base, nowSeconds: now - 301 })).toBe(false);
  });

  it('rejects altered bodies, other secrets, other versions and missing headers', () => {
    expect(verifySignature({ ...base, body: `${vector.body}&x=1`, nowSeconds: now })).toBe(false);
    expect(verifySignature({ ...base, secret: 'another', nowSeconds: now })).toBe(false);
    expect(verifySignature({ ...base, signature: vector.signature.replace('v0=', 'v1='), nowSeconds: now })).toBe(
      false,
    );
    expect(verifySignature({ ...base, signature: undefined, nowSeconds: now })).toBe(false);
    expect(verifySignature({ ...base, timestamp: undefined, nowSeconds: now })).toBe(false);
    expect(verifySignature({ ...base, timestamp: '15314206l8', nowSeconds: now })).toBe(false);
  });
});
