import type { EventEmitter } from 'node:events';

/** A failure to answer instead of the real result. */
export interface FaultSpec {
  status: 429 | 500 | 503;
  /** Seconds for `Retry-After` (429 only; default 1). */
  retryAfter?: number;
  /** Error code in the body; default `ratelimited` for 429, `internal_error` otherwise. */
  error?: string;
  /** How many matching requests fail; default 1. */
  times?: number;
  /**
   * Apply the request, then answer with the failure: Slack did it but the answer was lost on the way (a timeout, a
   * proxy's 5xx), so the sender cannot tell whether it happened.
   */
  afterApplying?: boolean;
}

export interface HeldRequest {
  target: string;
  /** Web API method, or `response_url`. */
  method: string;
  params: Record<string, unknown>;
  /** For a hold `afterApplying`: what the request did, the answer the sender is waiting for. */
  response?: Record<string, unknown>;
  /** Lets this one request go (the hold catches the next ones still). */
  release(): void;
  /**
   * Resolves once the sender's connection is gone (a sender killed while held). A test that kills the sender waits
   * for it before releasing, so the server has seen the disconnect and applies nothing, as Slack would not.
   */
  senderGone: Promise<void>;
}

/**
 * Fault injection for reliability tests. A target is a Web API method name, `response_url`, or `*` for every
 * request. Counted failures are consumed in the order they were queued, before any outage; outages last until their
 * time is up or they are cleared; holds last until released.
 */
export class Faults {
  private readonly failures: Array<{ target: string; fault: FaultSpec; remaining: number }> = [];
  private readonly outages = new Set<{ target: string; fault: FaultSpec; until: number }>();
  private readonly holds = new Set<{ target: string; afterApplying: boolean; waiters: Array<() => void> }>();

  constructor(
    private readonly events: EventEmitter,
    private readonly now: () => number,
  ) {}

  failNext(target: string, fault: FaultSpec): void {
    this.failures.push({ target, fault, remaining: fault.times ?? 1 });
  }

  /**
   * An outage, as Slack has them: every matching request fails with `fault` for `ms` (server clock), or until
   * `clear()` when `ms` is omitted. `fault.times` is ignored.
   */
  failFor(target: string, fault: FaultSpec, ms = Number.POSITIVE_INFINITY): { clear(): void } {
    const outage = { target, fault, until: this.now() + ms };
    this.outages.add(outage);
    return { clear: () => this.outages.delete(outage) };
  }

  /**
   * Makes matching requests hang after their body is read, with nothing applied, until `release()`; then they are
   * answered normally. Emits `held` for each request caught, so a test can wait until a sender is mid-request.
   *
   * `afterApplying`: the request is applied first and only its answer hangs — Slack did it, and the sender has not
   * heard yet. A sender killed then is the crash between Slack's answer and the sender's record of it.
   */
  hold(target: string, options: { afterApplying?: boolean } = {}): { release(): void } {
    const hold = { target, afterApplying: options.afterApplying === true, waiters: [] as Array<() => void> };
    this.holds.add(hold);
    return {
      release: () => {
        this.holds.delete(hold);
        for (const wake of hold.waiters.splice(0)) wake();
      },
    };
  }

  /**
   * Resolves at once unless a hold matches `method` at this point of the request (before it is applied, or with
   * `response` once it was); then when that hold is released.
   */
  async waitIfHeld(
    method: string,
    params: Record<string, unknown>,
    senderGone: Promise<void>,
    response?: Record<string, unknown>,
  ): Promise<void> {
    const applied = response !== undefined;
    const hold = [...this.holds].find((h) => matches(h.target, method) && h.afterApplying === applied);
    if (!hold) return;
    await new Promise<void>((resolve) => {
      hold.waiters.push(resolve);
      const release = () => {
        const at = hold.waiters.indexOf(resolve);
        if (at >= 0) hold.waiters.splice(at, 1);
        resolve();
      };
      const held: HeldRequest = {
        target: hold.target,
        method,
        params,
        senderGone,
        release,
        ...(applied ? { response } : {}),
      };
      this.events.emit('held', held);
    });
  }

  /** The next queued failure for `method`, consuming one use of it; else the outage `method` is in, if any. */
  take(method: string): FaultSpec | undefined {
    const index = this.failures.findIndex((f) => matches(f.target, method));
    if (index < 0) return this.outage(method);
    const entry = this.failures[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.failures.splice(index, 1);
    return entry.fault;
  }

  private outage(method: string): FaultSpec | undefined {
    const at = this.now();
    for (const outage of this.outages) {
      if (outage.until <= at) this.outages.delete(outage);
      else if (matches(outage.target, method)) return outage.fault;
    }
    return undefined;
  }

  /** Lets every held request go (used on close so nothing hangs forever). */
  releaseAll(): void {
    for (const hold of [...this.holds]) {
      this.holds.delete(hold);
      for (const wake of hold.waiters.splice(0)) wake();
    }
  }
}

function matches(target: string, method: string): boolean {
  return target === '*' || target === method;
}
