/**
 * At most `size` holders at once; the others wait, first come first served. The command route works a burst of
 * commands through a few at a time: each one past parsing waits on Redis two or three times, and with a hundred in
 * flight every answer from Redis wakes a hundred handlers in one turn of the event loop, so a command typed meanwhile
 * — `/ops help`, answered from the declarations alone — waits behind those long turns. A few at a time, the turns stay
 * short and it is answered between them; the burst itself takes as long as before, the work being the same.
 */
export class Turns {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves once the caller holds a turn; it must `give` it back. */
  take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the turn to the longest waiting caller, or frees it. */
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
