import { describe, expect, it } from 'vitest';
import { REPEAT_SIGNAL_MS, signalAction } from '../../src/lifecycle.js';

describe('signalAction', () => {
  it('starts the graceful shutdown on the first signal', () => {
    expect(signalAction(undefined, 5_000)).toBe('shut-down');
  });

  it("treats a copy within a second as the same Ctrl+C (the terminal's and npm's)", () => {
    expect(signalAction(5_000, 5_000)).toBe('same-signal');
    expect(signalAction(5_000, 5_000 + REPEAT_SIGNAL_MS - 1)).toBe('same-signal');
  });

  it('exits at once on a signal sent later', () => {
    expect(signalAction(5_000, 5_000 + REPEAT_SIGNAL_MS)).toBe('exit-now');
  });
});
