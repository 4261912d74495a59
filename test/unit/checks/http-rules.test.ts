import { describe, expect, it } from 'vitest';
import { certificateProblem, daysLeft, jsonValueAt, showJson } from '../../../src/checks/http-rules.js';

describe('JSON paths', () => {
  const body = { status: 'ok', checks: { db: [{ ok: true }, { ok: false, lag: null }] }, 'x-y_z': 1 };
  it('walk names and array indexes, with or without a leading $.', () => {
    expect(jsonValueAt(body, '$.status')).toEqual({ present: true, value: 'ok' });
    expect(jsonValueAt(body, 'status')).toEqual({ present: true, value: 'ok' });
    expect(jsonValueAt(body, '$.checks.db[1].ok')).toEqual({ present: true, value: false });
    expect(jsonValueAt(body, 'checks.db[1].lag')).toEqual({ present: true, value: null });
    expect(jsonValueAt(body, 'x-y_z')).toEqual({ present: true, value: 1 });
    expect(jsonValueAt([[1, 2]], '$[0][1]')).toEqual({ present: true, value: 2 });
  });
  it('are missing past the end, through scalars, and on inherited names', () => {
    expect(jsonValueAt(body, 'checks.db[2]').present).toBe(false);
    expect(jsonValueAt(body, 'status.length').present).toBe(false);
    expect(jsonValueAt(body, 'checks.db.ok').present).toBe(false);
    expect(jsonValueAt(body, 'constructor').present).toBe(false);
    expect(jsonValueAt(null, 'a').present).toBe(false);
  });
  it('show values as JSON, cut short', () => {
    expect(showJson('ok')).toBe('"ok"');
    expect(showJson(null)).toBe('null');
    expect(showJson('x'.repeat(100))).toHaveLength(60);
  });
});

describe('certificates', () => {
  it('count whole days left, negative once expired', () => {
    const day = 86_400_000;
    expect(daysLeft(10 * day, 0)).toBe(10);
    expect(daysLeft(10 * day, 1)).toBe(9);
    expect(daysLeft(0, day)).toBe(-1);
  });
  it('say what is wrong in words, and how to accept a private certificate', () => {
    expect(certificateProblem('DEPTH_ZERO_SELF_SIGNED_CERT')).toBe(
      'self-signed certificate (set caFile, or insecure: true)',
    );
    expect(certificateProblem('CERT_HAS_EXPIRED')).toBe('certificate has expired');
    expect(certificateProblem('ECONNREFUSED')).toBeUndefined();
  });
});
