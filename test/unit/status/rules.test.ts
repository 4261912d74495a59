import { describe, expect, it } from 'vitest';
import { overviewMessage } from '../../../src/status/messages.js';
import {
  alertAfter,
  breakerAfter,
  breakerAllows,
  healthOf,
  type ServiceStatus,
  type StoredResult,
  sparkline,
  worthRedrawing,
} from '../../../src/status/rules.js';

const pass: StoredResult = { ok: true, summary: '200 in 12 ms', latencyMs: 12, at: 0 };
const fail: StoredResult = { ok: false, summary: '503 (expected 2xx) in 40 ms', latencyMs: 40, at: 0 };
const service = (name: string, ...results: Array<StoredResult | undefined>): ServiceStatus => ({
  name,
  checks: results.map((result, i) => ({ name: `check-${i}`, type: 'http' as const, result })),
});

describe('service health', () => {
  it('is healthy, degraded or down by how many checks fail; checking while one is missing', () => {
    expect(healthOf(service('a', pass, pass))).toBe('healthy');
    expect(healthOf(service('a', pass, fail))).toBe('degraded');
    expect(healthOf(service('a', fail, fail))).toBe('down');
    expect(healthOf(service('a', pass, undefined))).toBe('checking');
    expect(healthOf(service('a'))).toBe('unchecked');
  });
});

describe('circuit breaker', () => {
  const settings = { failures: 3, retryAfterMs: 60_000 };
  it('opens after N consecutive failures, lets one probe through after retryAfter, closes on a pass', () => {
    let state = { failures: 0 } as ReturnType<typeof breakerAfter>;
    state = breakerAfter(state, false, 1000, settings);
    state = breakerAfter(state, false, 2000, settings);
    expect(breakerAllows(state, 2000)).toBe(true);
    state = breakerAfter(state, false, 3000, settings);
    expect(state).toEqual({ failures: 3, openUntil: 63_000 });
    expect(breakerAllows(state, 62_999)).toBe(false);
    expect(breakerAllows(state, 63_000)).toBe(true);
    // A failed probe opens it again for another retryAfter.
    expect(breakerAfter(state, false, 63_000, settings)).toEqual({ failures: 4, openUntil: 123_000 });
    expect(breakerAfter(state, true, 63_000, settings)).toEqual({ failures: 0 });
    // A pass in between resets the count.
    expect(breakerAfter(breakerAfter({ failures: 2 }, true, 0, settings), false, 0, settings)).toEqual({ failures: 1 });
  });
});

describe('scheduled-check alerts', () => {
  it('raise on the Nth failure in a row, once, and resolve on the next pass', () => {
    let state: ReturnType<typeof alertAfter>['state'] = { failures: 0, alerting: false };
    const transitions: string[] = [];
    const since: Array<number | undefined> = [];
    for (const [i, ok] of [false, false, true, false, false, false, false, true, true].entries()) {
      const next = alertAfter(state, ok, 3, i * 1000);
      transitions.push(next.transition);
      since.push(next.state.since);
      state = next.state;
    }
    expect(transitions).toEqual(['none', 'none', 'none', 'none', 'none', 'raise', 'none', 'resolve', 'none']);
    // The alert starts at the first failure of its run (the 4th run, at 3 s), and keeps that start when it resolves.
    expect(since).toEqual([0, 0, undefined, 3000, 3000, 3000, 3000, 3000, undefined]);
  });
});

describe('redrawing a /ops status message', () => {
  const edit = 1000;
  it('always draws the last result, the first second’s, and after three edit intervals without a draw', () => {
    expect(worthRedrawing({ done: 600, total: 600, elapsedMs: 3000, sinceDrawMs: 10 }, edit)).toBe(true);
    expect(worthRedrawing({ done: 0, total: 600, elapsedMs: 0 }, edit)).toBe(true);
    expect(worthRedrawing({ done: 590, total: 600, elapsedMs: 900, sinceDrawMs: 10 }, edit)).toBe(true);
    expect(worthRedrawing({ done: 590, total: 600, elapsedMs: 5000, sinceDrawMs: 3000 }, edit)).toBe(true);
  });
  it('skips a draw when the rest should arrive within three edit intervals: it would hold the complete one back', () => {
    // 500 of 600 in 2.5 s: 0.5 s to go.
    expect(worthRedrawing({ done: 500, total: 600, elapsedMs: 2500, sinceDrawMs: 300 }, edit)).toBe(false);
    // 250 of 600 in 1.4 s: 2 s to go at this pace.
    expect(worthRedrawing({ done: 250, total: 600, elapsedMs: 1400, sinceDrawMs: 300 }, edit)).toBe(false);
    // 100 of 600 in 1.5 s: 7.5 s to go.
    expect(worthRedrawing({ done: 100, total: 600, elapsedMs: 1500, sinceDrawMs: 300 }, edit)).toBe(true);
  });
});

describe('sparkline', () => {
  it('scales latencies between their min and max', () => {
    expect(sparkline([10, 20, 30, 80])).toBe('▁▂▃█');
    expect(sparkline([5, 5])).toBe('▁▁');
  });
});

describe('the overview of 200 services', () => {
  const services = Array.from({ length: 200 }, (_, i) =>
    service(`service-with-a-long-name-${String(i).padStart(3, '0')}`, pass, i % 10 === 0 ? fail : pass, pass),
  );
  const message = overviewMessage(services);

  it('fits Slack’s limits: 50 blocks, 3,000 characters a section', () => {
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) {
      if (block.type === 'section') expect((block.text as { text: string }).text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('gives the counts first and lists what is not healthy before what is', () => {
    expect((message.blocks[1]!.text as { text: string }).text).toBe(
      ':large_yellow_circle: 20 degraded   :large_green_circle: 180 healthy',
    );
    const text = JSON.stringify(message.blocks);
    expect(text.indexOf('service-with-a-long-name-190* — degraded')).toBeLessThan(
      text.indexOf('service-with-a-long-name-001* — healthy'),
    );
    expect(text).toContain('service-with-a-long-name-199* — healthy');
  });
});
