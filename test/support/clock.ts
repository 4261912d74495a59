/** A clock the test moves by hand, for code that takes `now` as an argument. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/**
 * Moves the platform clock and lets every delayed job of `queue` run now, as if its delay had passed: time in Opsdeck is
 * `services.now`, and a job waiting with `later()` waits in BullMQ's delayed set. Waits until one is delayed first, so
 * a job still running is not left waiting in real time.
 */
export async function advanceJobs(
  queues: { queue(name: string): { getDelayedCount(): Promise<number>; promoteJobs(): Promise<void> } },
  queue: string,
  clock: { advance(ms: number): void },
  ms: number,
): Promise<void> {
  const { vi, expect } = await import('vitest');
  await vi.waitFor(async () => expect(await queues.queue(queue).getDelayedCount()).toBeGreaterThan(0), {
    timeout: 10_000,
    interval: 20,
  });
  clock.advance(ms);
  await queues.queue(queue).promoteJobs();
}
