import { UnrecoverableError } from 'bullmq';
import { SlackApiError } from '../../errors.js';
import type { JobContext } from '../../platform/capability.js';
import type { IncidentDesk } from '../desk.js';
import type { Incident } from '../incident.js';
import { topicOf } from '../rules.js';

/** How often a job waiting for the incident's channel (or its card) looks again. */
const SETUP_POLL_MS = 500;
/** How long a job waits for the set-up before giving up on it (its job failed for good, or its card never posted). */
export const SETUP_PATIENCE_MS = 10 * 60_000;

/** A Slack error code from `outbox.call`, or undefined for anything else. */
export function slackError(error: unknown): string | undefined {
  return error instanceof SlackApiError ? error.slackError : undefined;
}

/** User ids for ids that may name user groups (invites take user ids only). */
async function usersOf(desk: IncidentDesk, ids: readonly string[]): Promise<string[]> {
  const { outbox, logger } = desk.services;
  const users = new Set<string>();
  for (const id of ids) {
    if (!id.startsWith('S')) {
      users.add(id);
      continue;
    }
    try {
      const result = await outbox.call<{ users?: string[] }>('usergroups.users.list', { usergroup: id });
      for (const user of result.users ?? []) users.add(user);
    } catch (error) {
      // A group Slack does not know (deleted, a typo in ops.yml) is skipped; a temporary failure is retried.
      if (!(error instanceof SlackApiError) || error.temporary) throw error;
      logger.warn({ usergroup: id, err: { message: error.message } }, 'incident invite: user group skipped');
    }
  }
  return [...users];
}

/** Invites whoever is not in the channel yet; a person Slack refuses (deactivated, unknown) is skipped. */
export async function invite(desk: IncidentDesk, channel: string, ids: readonly string[]): Promise<void> {
  const { outbox } = desk.services;
  const users = await usersOf(desk, ids);
  if (users.length === 0) return;
  try {
    await outbox.call('conversations.invite', { channel, users: users.join(',') });
  } catch (error) {
    if (slackError(error) === 'already_in_channel') return;
    if (error instanceof SlackApiError && error.temporary) throw error;
    // One refused user fails the whole call: invite the others one by one.
    for (const user of users) {
      await outbox.call('conversations.invite', { channel, users: user }).catch((err: Error) => {
        if (err instanceof SlackApiError && err.temporary) throw err;
      });
    }
  }
}

/** Stores a change of the incident; one gone from Redis fails the job for good. */
export async function save(
  desk: IncidentDesk,
  id: string,
  change: (incident: Incident) => Incident,
): Promise<Incident> {
  const next = await desk.store.change(id, (current) => (current ? change(current) : undefined));
  if (!next) throw new UnrecoverableError(`incident ${id} is no longer kept`);
  return next;
}

/**
 * The incident's channel once its set-up is done; until then the job waits (without counting an attempt), for
 * SETUP_PATIENCE_MS at most.
 */
export async function channelOf(desk: IncidentDesk, incident: Incident, ctx: JobContext): Promise<string> {
  if (incident.channel && incident.setup.done) return incident.channel;
  if (desk.now() - ctx.enqueuedAt > SETUP_PATIENCE_MS) {
    throw new UnrecoverableError(`incident ${incident.id} has no channel: its set-up did not finish`);
  }
  return ctx.later(SETUP_POLL_MS);
}

/** Waits (without counting an attempt) until `dueAt`. */
export function waitUntil(desk: IncidentDesk, ctx: JobContext, dueAt: number): Promise<void> {
  const left = dueAt - desk.now();
  return left > 0 ? ctx.later(left) : Promise.resolve();
}

/** The channel topic with the commander's display name (Slack shows a topic's `<@U…>` as typed). */
export async function topicNow(desk: IncidentDesk, incident: Incident): Promise<string> {
  return topicOf(incident, await desk.services.names.lookup([incident.commander]));
}
