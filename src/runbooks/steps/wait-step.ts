import { setTimeout as delay } from 'node:timers/promises';
import { formatDuration } from '../../config/duration.js';
import type { StepResult } from '../rules.js';
import type { StepContext } from './step-context.js';

/**
 * `wait`: until `startedAt + ms`. A wait resumed after a crash waits only for what is left, so it is always safe to
 * run again.
 */
export async function waitStep(ms: number, startedAt: number, now: number, ctx: StepContext): Promise<StepResult> {
  const left = Math.max(0, startedAt + ms - now);
  try {
    await delay(left, undefined, { signal: ctx.signal });
  } catch {
    return { ok: false, detail: 'cancelled', cancelled: true };
  }
  return { ok: true, detail: `waited ${formatDuration(ms)}` };
}
