import type { EventEmitter } from 'node:events';

/** One Web API call or response_url use, as the fake Slack answered it. */
export interface RecordedCall {
  /** Web API method (`chat.postMessage`), or `response_url`. */
  method: string;
  /** Decoded arguments (JSON-encoded form fields parsed), without the token. For response_url: the JSON body. */
  params: Record<string, unknown>;
  /** The JSON body answered. */
  response: Record<string, unknown>;
  status: number;
  /** Request path, e.g. `/api/chat.postMessage` or `/response/<id>`. */
  path: string;
  /** When the request arrived (ms since the epoch, server clock). */
  at: number;
}

export const DEFAULT_WAIT_MS = 10_000;

/** Keeps every call in order and lets tests await one instead of sleeping. */
export class CallRecorder {
  readonly calls: RecordedCall[] = [];

  constructor(private readonly events: EventEmitter) {}

  record(call: RecordedCall): void {
    this.calls.push(call);
    this.events.emit('call', call);
  }

  /** Resolves with the first matching call, already recorded or still to come; rejects after `timeoutMs`. */
  waitForCall(predicate: (c: RecordedCall) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<RecordedCall> {
    const existing = this.calls.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onCall = (call: RecordedCall) => {
        let hit: boolean;
        try {
          hit = predicate(call);
        } catch (err) {
          // A throwing predicate must not break the request being recorded: fail the wait instead.
          hit = false;
          clearTimeout(timer);
          this.events.off('call', onCall);
          reject(err);
        }
        if (!hit) return;
        clearTimeout(timer);
        this.events.off('call', onCall);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.events.off('call', onCall);
        const seen = this.calls.map((c) => `${c.method}:${c.status}`).join(', ') || 'none';
        reject(new Error(`waitForCall: no matching call within ${timeoutMs} ms (recorded: ${seen})`));
      }, timeoutMs);
      this.events.on('call', onCall);
    });
  }
}
