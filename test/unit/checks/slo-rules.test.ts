import { describe, expect, it } from 'vitest';
import { budgetRemaining, burnRate, judgeSlo, ratio } from '../../../src/checks/slo-rules.js';

const limits = { fast: 14.4, slow: 6 };

describe('SLO maths on fixed numbers', () => {
  it('attainment is good / total, and undefined without traffic', () => {
    expect(ratio(999_500, 1_000_000)).toBe(0.9995);
    expect(ratio(0, 0)).toBeUndefined();
  });

  it('a 99.9 % objective met at 99.95 % has half its budget left', () => {
    // Budget: 0.1 % of requests may fail. 0.05 % failed, so half of it is spent.
    expect(budgetRemaining(0.9995, 0.999)).toBeCloseTo(0.5, 10);
    // Exactly on target: all spent. At 99.8 %: spent twice over.
    expect(budgetRemaining(0.999, 0.999)).toBeCloseTo(0, 10);
    expect(budgetRemaining(0.998, 0.999)).toBeCloseTo(-1, 10);
  });

  it('burn rate is the error rate as a multiple of the budgeted one', () => {
    // 1.44 % errors against a 0.1 % budget: 14.4×, which spends 2 % of a 30-day budget in one hour
    // (14.4 × 1 h / 720 h = 0.02).
    expect(burnRate(1 - 0.0144, 0.999)).toBeCloseTo(14.4, 10);
    expect((burnRate(1 - 0.0144, 0.999) * 1) / (30 * 24)).toBeCloseTo(0.02, 10);
    // 0.6 % errors over 6 h: 6×, 5 % of the budget (6 × 6 h / 720 h).
    expect(burnRate(1 - 0.006, 0.999)).toBeCloseTo(6, 10);
    expect((burnRate(1 - 0.006, 0.999) * 6) / (30 * 24)).toBeCloseTo(0.05, 10);
  });

  it('fails when the budget is spent or burns past the 1 h or 6 h limit', () => {
    expect(judgeSlo({ budgetRemaining: 0.5, burnRate1h: 1, burnRate6h: 1, limits })).toEqual({ ok: true });
    expect(judgeSlo({ budgetRemaining: 0, limits })).toEqual({ ok: false, reason: 'error budget spent' });
    expect(judgeSlo({ budgetRemaining: 0.9, burnRate1h: 20, burnRate6h: 2, limits })).toEqual({
      ok: false,
      reason: 'burning 20× over 1 h (limit 14.4×)',
    });
    expect(judgeSlo({ budgetRemaining: 0.9, burnRate1h: 5, burnRate6h: 7.25, limits })).toEqual({
      ok: false,
      reason: 'burning 7.3× over 6 h (limit 6×)',
    });
    // A window without traffic does not count against the service.
    expect(judgeSlo({ budgetRemaining: 0.9, limits })).toEqual({ ok: true });
  });
});
