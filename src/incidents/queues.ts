import { z } from 'zod';
import { defineQueue } from '../platform/queue.js';

const id = z.string().regex(/^\d{1,15}$/);

/**
 * Sets up a declared incident: channel, topic, invites, card, pin, announcement. Each step is recorded in the incident
 * as it completes, so a rerun (a crashed worker, a retry after Slack failed) resumes and never does a step twice.
 */
export const setupQueue = defineQueue<{ id: string }>({
  name: 'incidents-setup',
  schema: z.object({ id }),
  jobId: (data) => `setup-${data.id}`,
  attempts: 8,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

/**
 * Brings the channel in line with the incident after a change: the topic (severity, state, commander), and whoever
 * was just given a role is invited. `at` tells changes apart (any rerun sets the newest topic).
 */
export const syncQueue = defineQueue<{ id: string; at: string; invite?: string }>({
  name: 'incidents-sync',
  schema: z.object({
    id,
    at: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/),
    invite: z
      .string()
      .regex(/^[UW][A-Z0-9]{1,20}$/)
      .optional(),
  }),
  jobId: (data) => `sync-${data.id}-${data.at}`,
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

export interface TimerJob {
  id: string;
  kind: 'remind' | 'escalate';
  n: number;
  /** Reminders sent / escalation levels reached by this job so far (saved before each wait). */
  step: number;
}

/**
 * Timers, as delayed jobs that wait with `later`: `remind` (number `n` = the status updates so far, so each update
 * starts a new one and the old one finds itself stale and stops) and `escalate` (level by level until acknowledged).
 * Resolving makes every timer of the incident stop at its next turn.
 */
export const timerQueue = defineQueue<TimerJob>({
  name: 'incidents-timer',
  schema: z.object({
    id,
    kind: z.enum(['remind', 'escalate']),
    n: z.int().min(0).max(1_000_000),
    step: z.int().min(0).max(1000),
  }),
  jobId: (data) => `${data.kind}-${data.id}-${data.n}`,
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

/** One PagerDuty event of an incident: retried on 429/5xx, never sent twice for the same action. */
export const pageQueue = defineQueue<{ id: string; action: 'trigger' | 'resolve' }>({
  name: 'incidents-page',
  schema: z.object({ id, action: z.enum(['trigger', 'resolve']) }),
  jobId: (data) => `page-${data.id}-${data.action}`,
  attempts: 6,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

/** Posts postmortem number `n` of an incident: a message and a Markdown file in the incident channel. */
export const postmortemQueue = defineQueue<{ id: string; n: number }>({
  name: 'incidents-postmortem',
  schema: z.object({ id, n: z.int().min(1).max(1000) }),
  jobId: (data) => `postmortem-${data.id}-${data.n}`,
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});
