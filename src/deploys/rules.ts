import { asWritten } from '../config/regex-source.js';
import { type Deploy, isFinal } from './deploy.js';

/**
 * The deploy rules, pure: data and `now` in, a decision out. Handlers and jobs load the data, call these and act.
 */

/** A freeze of one environment: no deploys there until `until`, unless an admin overrides with a reason. */
export interface Freeze {
  by: string;
  reason: string;
  at: number;
  until: number;
}

/** A human's lock on one service+environment: only the locker may deploy there until it is unlocked. */
export interface ManualLock {
  by: string;
  reason: string;
  at: number;
}

export function isFrozen(freeze: Freeze | undefined, now: number): freeze is Freeze {
  return freeze !== undefined && now < freeze.until;
}

/** Whether `version` is acceptable for a service whose (anchored) versionPattern is `pattern`. */
export function versionProblem(version: string, pattern: string): string | undefined {
  if (version.length > 128) return 'is too long (at most 128 characters)';
  if (!/^[\x21-\x7e]+$/.test(version)) return 'may only hold printable characters without spaces';
  if (!new RegExp(pattern).test(version)) return `does not match the version pattern \`${asWritten(pattern)}\``;
  return undefined;
}

export type StartDecision =
  | { ok: true }
  | { ok: false; reason: 'frozen'; freeze: Freeze }
  | { ok: false; reason: 'locked'; lock: ManualLock }
  | { ok: false; reason: 'busy'; holder: Deploy };

/**
 * May a deploy of this service+environment start now? The environment's freeze (unless an admin overrides it), a
 * human's lock (held by someone else) and a deploy still in progress (the holder of the deploy lock) say no.
 */
export function mayStart(input: {
  userId: string;
  freeze: Freeze | undefined;
  lock: ManualLock | undefined;
  /** The deploy holding the service+environment's deploy lock, if any. */
  holder: Deploy | undefined;
  /** An admin's override of a freeze. */
  override: boolean;
  now: number;
}): StartDecision {
  if (isFrozen(input.freeze, input.now) && !input.override)
    return { ok: false, reason: 'frozen', freeze: input.freeze };
  if (input.lock && input.lock.by !== input.userId) return { ok: false, reason: 'locked', lock: input.lock };
  if (input.holder && !isFinal(input.holder.status)) return { ok: false, reason: 'busy', holder: input.holder };
  return { ok: true };
}

/** The version running now: the newest deploy that succeeded (verified or not). */
export function currentVersion(history: readonly Deploy[]): string | undefined {
  return history.find((deploy) => deploy.status === 'succeeded')?.version;
}

/**
 * The version to roll back to: the newest deploy that succeeded and verified (or had nothing to verify), other than `from` (the version being
 * rolled back), among those requested before the deploy being rolled back. `history` is newest first.
 */
export function lastGoodBefore(
  history: readonly Deploy[],
  from: { version: string; requestedAt: number },
): string | undefined {
  return history.find(
    (deploy) =>
      deploy.status === 'succeeded' &&
      (deploy.verified || deploy.unverifiable === true) &&
      deploy.version !== from.version &&
      deploy.requestedAt < from.requestedAt,
  )?.version;
}
