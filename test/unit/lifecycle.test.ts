import { describe, expect, it } from 'vitest';
import { REPEAT_SIGNAL_MS, signalAction } from '../../src/lifecycle.js';

describe('signalAction', () => {
  const ctrlC = { signal: 'SIGINT' as const, at: 5_000 };

  it('starts the graceful shutdown on the first signal', () => {
    expect(signalAction(undefined, 'SIGINT', 5_000)).toBe('shut-down');
    expect(signalAction(undefined, 'SIGTERM', 5_000)).toBe('shut-down');
  });

  it("treats a SIGINT within a second of the first as the same Ctrl+C (the terminal's and npm's copies)", () => {
    expect(signalAction(ctrlC, 'SIGINT', 5_000)).toBe('same-signal');
    expect(signalAction(ctrlC, 'SIGINT', 5_000 + REPEAT_SIGNAL_MS - 1)).toBe('same-signal');
  });

  it('exits at once on a Ctrl+C pressed later', () => {
    expect(signalAction(ctrlC, 'SIGINT', 5_000 + REPEAT_SIGNAL_MS)).toBe('exit-now');
  });

  it('exits at once on a second SIGTERM, however soon: a supervisor sends it to this process alone', () => {
    expect(signalAction({ signal: 'SIGTERM', at: 5_000 }, 'SIGTERM', 5_001)).toBe('exit-now');
    expect(signalAction(ctrlC, 'SIGTERM', 5_001)).toBe('exit-now');
  });
});
