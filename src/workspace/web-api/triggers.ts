import { randomBytes } from 'node:crypto';

/** Slack lets a trigger_id open one view, within 3 seconds of the interaction that created it. */
export const TRIGGER_TTL_MS = 3000;

interface Trigger {
  userId: string;
  createdAt: number;
  used: boolean;
}

export type TriggerResult = { ok: true; userId: string } | { ok: false; error: string };

/** Issues and exchanges trigger_ids (single use, expiring), as views.open / views.push need them. */
export class TriggerRegistry {
  private readonly triggers = new Map<string, Trigger>();
  private counter = 0;

  constructor(private readonly now: () => number) {}

  /** A new trigger for a user's interaction, shaped like Slack's (`398738663015.47445629121.803a0bc8…`). */
  issue(userId: string): string {
    this.counter += 1;
    const id = `${Date.now()}${this.counter}.${Math.floor(Math.random() * 1e11)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { userId, createdAt: this.now(), used: false });
    return id;
  }

  /** Uses a trigger up: unknown → invalid_trigger_id, used → exchanged_trigger_id, too old → expired_trigger_id. */
  exchange(id: unknown): TriggerResult {
    const trigger = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (this.now() - trigger.createdAt > TRIGGER_TTL_MS) return { ok: false, error: 'expired_trigger_id' };
    trigger.used = true;
    return { ok: true, userId: trigger.userId };
  }
}
