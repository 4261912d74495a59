/**
 * How the check runner works. The number of checks a worker process runs at once is `WORKER_CONCURRENCY` (the
 * check queue declares no concurrency of its own).
 */
export interface StatusSettings {
  /** Results kept per check, for trends and sparklines. */
  keepResults: number;
  circuitBreaker: {
    /** Consecutive failures of one target after which it is not asked again until `retryAfterMs` has passed. */
    failures: number;
    retryAfterMs: number;
  };
}

export const STATUS_SETTINGS: StatusSettings = {
  keepResults: 20,
  circuitBreaker: { failures: 5, retryAfterMs: 60_000 },
};
