import { vi } from 'vitest';

/**
 * Every `vi.waitFor` in this suite waits for an event (a message posted, a job finished), never to prove that nothing
 * happens, so its timeout is only how long a failure takes to report. Vitest's default of 1 s is shorter than one hop
 * can take when CI runs two test files and their worker processes on two cores (a post missed it in CI), so the
 * default here is 15 s, as the helpers in this folder use. A test may still pass its own timeout.
 */
const DEFAULT_TIMEOUT_MS = 15_000;

const waitFor = vi.waitFor;
vi.waitFor = ((callback, options) =>
  waitFor(
    callback,
    typeof options === 'number' ? { timeout: options } : { timeout: DEFAULT_TIMEOUT_MS, ...options },
  )) as typeof vi.waitFor;
