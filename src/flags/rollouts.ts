import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { firingGroupsFor } from '../alerts/api.js';
import { runCheck } from '../checks/run-check.js';
import { textMessage } from '../platform/blocks.js';
import type { JobContext, JobHandler } from '../platform/capability.js';
import { parseJobData } from '../platform/job-data.js';
import { type Mrkdwn, md, verbatim } from '../platform/mrkdwn.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import type { FlagDesk } from './desk.js';
import type { FlagMetrics } from './metrics.js';
import { rolloutMessage, rolloutStepText } from './rollout-messages.js';
import { FlagRefused, type Rollout, type RolloutStatus, rolloutSteps } from './rules.js';

/** How often a running rollout asks its guard, between steps too. */
export const GUARD_EVERY_MS = 30_000;

export const rolloutQueue = defineQueue({
  name: 'flag-rollout',
  schema: z.object({ id: z.string().regex(/^[a-f0-9-]{1,40}$/), run: z.int().min(0) }),
  jobId: (data) => `${data.id}-${data.run}`,
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1000 },
  concurrency: 4,
  onStall: 'rerun',
});

export type RolloutServices = Pick<
  Services,
  'redis' | 'key' | 'keysOf' | 'catalog' | 'outbox' | 'jobs' | 'audit' | 'now' | 'logger'
>;

type Health = { ok: true } | { ok: false; why: string };

/**
 * Guarded progressive rollouts: the percentage rises in steps on a BullMQ schedule; before each step and every
 * GUARD_EVERY_MS the guard service's checks run and its alert groups are looked at. A failure halts the rollout and
 * puts the flag back to the last percentage the guard saw healthy. Every step, halt and button is in the channel.
 */
export class RolloutDesk {
  constructor(
    private readonly services: RolloutServices,
    private readonly desk: () => FlagDesk,
    private readonly metrics: () => FlagMetrics,
  ) {}

  async start(input: {
    key: string;
    environment: string;
    from: number;
    to: number;
    overMs: number;
    guard?: string;
    userId: string;
    channel: string;
  }): Promise<Rollout> {
    const desk = this.desk();
    if (desk.policyOf(input.environment)) {
      throw new FlagRefused(
        `${input.environment} needs approval for each change: roll out there step by step with \`/ops flag rollout ${input.key} <n>% in ${input.environment}\`.`,
      );
    }
    if (input.guard !== undefined && !Object.hasOwn(this.services.catalog.services, input.guard)) {
      throw new FlagRefused(
        `\`${input.guard}\` is not a service in ops.yml: the guard watches a service's checks and alerts.`,
      );
    }
    const steps = rolloutSteps(input.from, input.to, input.overMs);
    const active = await this.services.redis.get(this.services.key('rollout-of', input.key, input.environment));
    const running = active ? await this.get(active) : undefined;
    if (running && (running.status === 'running' || running.status === 'paused')) {
      throw new FlagRefused(
        `\`${input.key}\` already has a progressive rollout in ${input.environment}: abort it first.`,
      );
    }
    await desk.apply({
      key: input.key,
      environment: input.environment,
      operation: { op: 'rollout', percent: input.from },
      by: input.userId,
    });
    const rollout: Rollout = {
      id: randomUUID(),
      key: input.key,
      environment: input.environment,
      steps,
      next: 0,
      current: input.from,
      lastHealthy: input.from,
      ...(input.guard !== undefined && { guard: input.guard }),
      status: 'running',
      startedAt: this.now(),
      pausedMs: 0,
      run: 0,
      by: input.userId,
      channel: input.channel,
    };
    await this.save(rollout);
    await this.services.redis.set(this.services.key('rollout-of', input.key, input.environment), rollout.id);
    await this.services.outbox.post({
      key: messageKey(rollout.id),
      channel: input.channel,
      message: rolloutMessage(rollout),
    });
    await this.services.jobs.enqueue(rolloutQueue, { id: rollout.id, run: 0 }, { withinAck: true });
    return rollout;
  }

  async get(id: string): Promise<Rollout | undefined> {
    const json = await this.services.redis.get(this.services.key('rollout', id));
    return json ? (JSON.parse(json) as Rollout) : undefined;
  }

  /** Pause, Resume, Abort: what the buttons do. Returns what to tell the clicker when nothing changed. */
  async control(id: string, action: 'pause' | 'resume' | 'abort', userId: string): Promise<string | undefined> {
    const rollout = await this.get(id);
    if (!rollout) return 'That rollout is no longer kept.';
    const now = this.now();
    if (action === 'pause' && rollout.status === 'running') {
      await this.save({ ...rollout, status: 'paused', pausedAt: now });
    } else if (action === 'resume' && rollout.status === 'paused') {
      const resumed: Rollout = {
        ...rollout,
        status: 'running',
        pausedMs: rollout.pausedMs + (now - (rollout.pausedAt ?? now)),
        run: rollout.run + 1,
      };
      delete resumed.pausedAt;
      await this.save(resumed);
      await this.services.jobs.enqueue(rolloutQueue, { id, run: resumed.run }, { withinAck: true });
    } else if (action === 'abort' && (rollout.status === 'running' || rollout.status === 'paused')) {
      await this.save({ ...rollout, status: 'aborted', reason: `aborted by ${userId}` });
    } else {
      return `That rollout is ${rollout.status}.`;
    }
    await this.redraw(id);
    return undefined;
  }

  /** One run of the rollout job: ask the guard, take the step that is due, and come back later. */
  async tick(id: string, run: number, ctx: Pick<JobContext, 'later'>): Promise<RolloutStatus | 'stale'> {
    const rollout = await this.get(id);
    if (!rollout || rollout.run !== run) return 'stale';
    if (rollout.status !== 'running') return rollout.status;
    const health = await this.health(rollout.guard);
    if (!health.ok) {
      await this.halt(rollout, health.why);
      return 'halted';
    }
    let current = { ...rollout, lastHealthy: rollout.current };
    const step = current.steps[current.next];
    const now = this.now();
    if (step && now >= current.startedAt + current.pausedMs + step.atMs) {
      await this.desk().apply({
        key: current.key,
        environment: current.environment,
        operation: { op: 'rollout', percent: step.percent },
        by: current.by,
      });
      current = { ...current, current: step.percent, next: current.next + 1 };
      if (current.next >= current.steps.length) current.status = 'done';
      await this.save(current);
      await this.announce(current, rolloutStepText(current, step.percent));
    } else if (current.lastHealthy !== rollout.lastHealthy) {
      await this.save(current);
      await this.redraw(id);
    }
    if (current.status === 'done') return 'done';
    const due = current.startedAt + current.pausedMs + current.steps[current.next]!.atMs;
    return ctx.later(Math.max(1, Math.min(due - now, GUARD_EVERY_MS)));
  }

  private async health(guard: string | undefined): Promise<Health> {
    if (guard === undefined) return { ok: true };
    const service = this.services.catalog.services[guard];
    const failing: string[] = [];
    for (const [name, check] of Object.entries(service?.checks ?? {})) {
      const result = await runCheck(check, { service: guard });
      if (!result.ok) failing.push(`check ${guard}.${name} failed: ${result.summary}`);
    }
    const firing = await firingGroupsFor(this.services, guard);
    for (const group of firing) failing.push(`alert ${group.name} is firing for ${guard}`);
    return failing.length === 0 ? { ok: true } : { ok: false, why: failing.join('; ') };
  }

  private async halt(rollout: Rollout, why: string): Promise<void> {
    const halted: Rollout = { ...rollout, status: 'halted', reason: why };
    await this.desk().apply({
      key: rollout.key,
      environment: rollout.environment,
      operation: { op: 'rollout', percent: rollout.lastHealthy },
      by: rollout.by,
      extra: { reason: `rollout halted: ${why}` },
    });
    halted.current = rollout.lastHealthy;
    await this.save(halted);
    this.metrics().halts.inc({ environment: rollout.environment });
    await this.services.audit.append({
      actor: rollout.by,
      action: 'flags.rollout-halt',
      target: `${rollout.key}/${rollout.environment}`,
      outcome: 'ok',
      detail: `back to ${rollout.lastHealthy}%: ${why}`,
      at: new Date(this.now()),
    });
    await this.announce(
      halted,
      md`:octagonal_sign: Halted: ${verbatim(why)}. Back to ${rollout.lastHealthy}%, the last percentage that was healthy.`,
    );
  }

  private async announce(rollout: Rollout, text: Mrkdwn): Promise<void> {
    const n = rollout.next + (rollout.status === 'halted' ? 1000 : 0);
    await this.services.outbox.post({
      key: `${messageKey(rollout.id)}-${n}`,
      channel: rollout.channel,
      threadKey: messageKey(rollout.id),
      message: textMessage(text),
    });
    await this.redraw(rollout.id);
  }

  private async redraw(id: string): Promise<void> {
    const rollout = await this.get(id);
    if (rollout) await this.services.outbox.update({ key: messageKey(id), message: rolloutMessage(rollout) });
  }

  private async save(rollout: Rollout): Promise<void> {
    await this.services.redis.set(this.services.key('rollout', rollout.id), JSON.stringify(rollout), 'EX', 90 * 86_400);
  }

  private now(): number {
    return this.services.now().getTime();
  }
}

const messageKey = (id: string) => `flags-rollout-${id}`;

/** The processor of `flag-rollout` jobs. */
export function rolloutJob(rollouts: () => RolloutDesk): JobHandler<{ id: string; run: number }> {
  return {
    queue: rolloutQueue,
    async process(data, ctx) {
      const { id, run } = parseJobData(rolloutQueue.schema, data);
      return { status: await rollouts().tick(id, run, ctx) };
    },
  };
}
