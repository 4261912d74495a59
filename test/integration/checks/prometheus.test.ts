import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Check, CheckSchema } from '../../../src/checks/check-kinds.js';
import { promQuery } from '../../../src/checks/prometheus-api.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { startPrometheus } from '../../support/prometheus.js';
import { startHttpTarget } from '../../support/targets.js';

const check = (input: Record<string, unknown>): Check => CheckSchema.parse(input);

/**
 * A scrape target whose counters grow by 99 good and 1 failed request per scrape: 99 % of requests succeed, in every
 * window, exactly (both series are sampled at the same instants, so rate() extrapolates them alike).
 */
let scrapes = 0;
let target: Awaited<ReturnType<typeof startHttpTarget>>;
let prometheus: Awaited<ReturnType<typeof startPrometheus>>;

beforeAll(async () => {
  target = await startHttpTarget((_req, res) => {
    scrapes += 1;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE demo_requests_total counter',
        `demo_requests_total{code="200"} ${99 * scrapes}`,
        `demo_requests_total{code="500"} ${scrapes}`,
        '',
      ].join('\n'),
    );
  });
  prometheus = await startPrometheus([new URL(target.url).host]);
  // Await the event: Prometheus has scraped often enough for rate() to have two samples.
  await vi.waitFor(
    async () => {
      const values = await promQuery(prometheus.url, 'sum(rate(demo_requests_total[1m]))', AbortSignal.timeout(1000));
      expect(values.length).toBe(1);
    },
    { timeout: 25_000, interval: 250 },
  );
}, 30_000);
afterAll(async () => {
  await prometheus?.close();
  await target?.close();
});

describe('prometheus checks against the real Prometheus', () => {
  const errorRatio = 'sum(rate(demo_requests_total{code="500"}[1m])) / sum(rate(demo_requests_total[1m]))';

  it('pass when every sample meets expect', async () => {
    const result = await runCheck(
      check({ type: 'prometheus', url: prometheus.url, query: errorRatio, expect: { op: '<', value: 0.05 } }),
    );
    expect(result.ok).toBe(true);
    expect(result.detail).toMatchObject({ type: 'prometheus' });
    expect((result.detail as { values: number[] }).values[0]).toBeCloseTo(0.01, 6);
    expect(result.summary).toBe('0.01000 (expected < 0.05)');
  });

  it('fail when a sample does not', async () => {
    const result = await runCheck(
      check({ type: 'prometheus', url: prometheus.url, query: errorRatio, expect: { op: '<', value: 0.005 } }),
    );
    expect(result).toMatchObject({ ok: false, summary: '0.01000 (expected < 0.005)' });
  });

  it('fail on no data and on a PromQL error, saying so', async () => {
    const empty = await runCheck(check({ type: 'prometheus', url: prometheus.url, query: 'no_such_metric' }));
    expect(empty).toMatchObject({ ok: false, summary: 'no data' });
    const bad = await runCheck(check({ type: 'prometheus', url: prometheus.url, query: 'sum(' }));
    expect(bad.ok).toBe(false);
    expect(bad.summary).toMatch(/^Prometheus: .*parse error/);
  });
});

describe('slo checks against the real Prometheus', () => {
  const slo = (objective: number) =>
    check({
      type: 'slo',
      url: prometheus.url,
      good: 'sum(rate(demo_requests_total{code!~"5.."}[$window]))',
      total: 'sum(rate(demo_requests_total[$window]))',
      objective,
      window: '30d',
    });

  it('report attainment, budget left and burn rates: 99 % against a 95 % objective', async () => {
    const result = await runCheck(slo(95));
    expect(result.ok).toBe(true);
    // 1 % errors against a 5 % budget: a fifth spent, 0.2× burn in every window.
    const detail = result.detail as {
      attainment: number;
      budgetRemaining: number;
      burnRate1h: number;
      burnRate6h: number;
    };
    expect(detail.attainment).toBeCloseTo(0.99, 6);
    expect(detail.budgetRemaining).toBeCloseTo(0.8, 5);
    expect(detail.burnRate1h).toBeCloseTo(0.2, 5);
    expect(detail.burnRate6h).toBeCloseTo(0.2, 5);
    expect(result.summary).toBe('99% of 95%, budget left 80%');
  });

  it('fail when the budget is spent: 99 % against 99.9 %', async () => {
    const result = await runCheck(slo(99.9));
    expect(result.ok).toBe(false);
    // 1 % errors against a 0.1 % budget: spent ten times over (1 - 10 = -9), burning 10×.
    expect((result.detail as { budgetRemaining: number }).budgetRemaining).toBeCloseTo(-9, 4);
    expect(result.summary).toMatch(/^error budget spent; 99% of 99.9%/);
  });
});
