/**
 * At most `limit` holders at a time, the rest queued in arrival order. Each turn ends when its holder says so or,
 * at the latest, `leaseMs` after it began: a holder stuck on a Redis connection riding out a failover must not keep
 * the ones behind it from Slack's 3 s ack deadline.
 *
 * Why the bot wants it (issue #19): 100 `/ops run` arriving at once all write to Redis together, ioredis hands their
 * replies back in big chunks, and each chunk resumes ~100 continuations in one macrotask, so an `/ops help` read in
 * between waits behind all of them. A few commands at a time turn that into short macrotasks, between which the
 * event loop reads and answers the help.
 */
export class Turns {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly leaseMs: number,
  ) {}

  /** Resolves when the caller's turn begins, with the function that ends it (calling it again does nothing). */
  async take(): Promise<() => void> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(lease);
      // The turn passes straight to the next in line (the count stays), or a place frees up.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
    const lease = setTimeout(end, this.leaseMs);
    lease.unref();
    return end;
  }
}
