import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CAPABILITIES } from '../../src/capabilities.js';
import { defineCapability, subcommand } from '../../src/platform/capability.js';
import { args, choice, identifier, optional } from '../../src/platform/grammar/index.js';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import { answer } from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { redisClient } from '../support/redis.js';

/** Policies as a capability would read them from its ops.yml section: four-eyes needs two approvers. */
const POLICIES = {
  'four-eyes': { from: 'approver', count: 2, expiresInMs: 3_600_000 },
  single: { from: 'approver', count: 1, expiresInMs: 3_600_000 },
} as const;

/**
 * A throwaway capability, declared here and nowhere else, with an approval gate: it opens requests and says what runs
 * once approved. Role at click time, four-eyes, one run however many clicks, and the audit trail are the platform's.
 */
const launches = defineCapability({
  name: 'launches',
  title: 'Launches',
  uses: ['approvals', 'outbox', 'redis', 'key'],
  build: (services) => ({
    approvals: [
      {
        name: 'launch',
        auditTarget: (id) => `launch/${id}`,
        async onApproved(request, by) {
          await services.redis.rpush(services.key('runs'), `${request.id} by ${by}`);
        },
        async onRejected(request, by) {
          await services.redis.rpush(services.key('rejected'), `${request.id} by ${by}`);
        },
      },
    ],
    subcommands: [
      subcommand({
        name: 'launch',
        summary: 'Ask to launch something.',
        grammar: args(identifier('name'), optional(choice('policy', ['four-eyes', 'single'] as const))),
        changes: true,
        async run(ctx) {
          const id = ctx.args.name;
          const policy = POLICIES[ctx.args.policy ?? 'four-eyes'];
          await services.approvals.open('launch', { id, requester: ctx.userId, policy });
          await services.outbox.post({
            key: `launch-${id}`,
            channel: ctx.channelId,
            message: { text: `launch ${id}`, blocks: [services.approvals.buttons('launch', id)] },
          });
          await ctx.reply({ text: `asked to launch ${id}`, blocks: [] });
        },
      }),
    ],
  }),
});

let h: Harness;
beforeAll(async () => {
  // Group membership is asked of Slack on every check, so a change in the workspace shows at the next click.
  h = await startHarness({ env: { USERGROUP_CACHE_MS: '0' }, capabilities: [...CAPABILITIES, launches] });
});
afterAll(() => h.close());

async function requested(userId: string, name: string, policy = ''): Promise<WorkspaceMessage> {
  expect(await answer(h, userId, `launch ${name} ${policy}`)).toBe(`asked to launch ${name}`);
  return vi.waitFor(() => {
    const found = (h.slack.state.messages.get(CHANNEL) ?? []).find((m) => m.text === `launch ${name}`);
    expect(found).toBeDefined();
    return found!;
  });
}
const click = (userId: string, message: WorkspaceMessage, actionId: string) =>
  h.slack.sendBlockAction({ userId, channelId: CHANNEL, messageTs: message.ts, actionId });
/** Clicks and returns what the clicker was told (every refused click is answered). */
async function clickAnswer(userId: string, message: WorkspaceMessage, actionId: string): Promise<string> {
  const before = h.slack.calls.length;
  await click(userId, message, actionId);
  const reply = await h.slack.waitForCall((c) => h.slack.calls.indexOf(c) >= before && c.method === 'response_url');
  return String(reply.params.text);
}
async function list(name: string): Promise<string[]> {
  const redis = redisClient();
  try {
    return await redis.lrange(`${h.prefix}:launches:${name}`, 0, -1);
  } finally {
    redis.disconnect();
  }
}
const audited = (entry: Record<string, unknown>) =>
  vi.waitFor(async () => expect(await h.opsdeck.audit.latest(200)).toContainEqual(expect.objectContaining(entry)));

describe('an approval gate a capability declares', () => {
  it('is four-eyes: the requester can never approve, and it runs only once two others holding the role did', async () => {
    // lead holds the approver role (through S0LEADS) and asks: only four-eyes keeps them from approving their own.
    const request = await requested(USERS.lead, 'rocket');
    expect(await clickAnswer(USERS.lead, request, 'launch_approve')).toContain('cannot approve your own');
    await audited({
      actor: USERS.lead,
      action: 'launches.approve',
      target: 'launch/rocket',
      outcome: 'denied',
      detail: 'self',
    });
    await click(USERS.bob, request, 'launch_approve');
    await audited({ actor: USERS.bob, action: 'launches.approve', target: 'launch/rocket', outcome: 'ok' });
    expect(await clickAnswer(USERS.bob, request, 'launch_approve')).toContain('already approved');
    expect(await list('runs')).toEqual([]);
    // A second approver other than the requester: carol, once she holds the role.
    h.slack.state.usergroups.set('S0LEADS', [USERS.lead, USERS.carol]);
    try {
      await click(USERS.carol, request, 'launch_approve');
      await vi.waitFor(async () => expect(await list('runs')).toEqual([`rocket by ${USERS.carol}`]));
    } finally {
      h.slack.state.usergroups.set('S0LEADS', [USERS.lead]);
    }
    expect(await clickAnswer(USERS.lead, request, 'launch_approve')).toContain('already decided');
  });

  it('checks the approver’s role when they click, not when the request was made', async () => {
    const request = await requested(USERS.alice, 'balloon', 'single');
    expect(await clickAnswer(USERS.carol, request, 'launch_approve')).toContain('*approver* role');
    await audited({
      actor: USERS.carol,
      action: 'launches.approve',
      target: 'launch/balloon',
      outcome: 'denied',
      detail: 'needs role approver',
    });
    // The role is granted after the request: the next click counts. Taken away again, a click is refused.
    h.slack.state.usergroups.set('S0LEADS', [USERS.lead, USERS.carol]);
    try {
      await click(USERS.carol, request, 'launch_approve');
      await vi.waitFor(async () => expect(await list('runs')).toContain(`balloon by ${USERS.carol}`));
    } finally {
      h.slack.state.usergroups.set('S0LEADS', [USERS.lead]);
    }
    const later = await requested(USERS.alice, 'kite', 'single');
    expect(await clickAnswer(USERS.carol, later, 'launch_approve')).toContain('*approver* role');
  });

  it('lets the requester withdraw without the role; others need it to reject', async () => {
    const request = await requested(USERS.alice, 'glider', 'single');
    expect(await clickAnswer(USERS.carol, request, 'launch_reject')).toContain('*approver* role');
    await click(USERS.alice, request, 'launch_reject');
    await vi.waitFor(async () => expect(await list('rejected')).toEqual([`glider by ${USERS.alice}`]));
    await audited({ actor: USERS.alice, action: 'launches.reject', target: 'launch/glider', outcome: 'ok' });
    expect(await clickAnswer(USERS.bob, request, 'launch_approve')).toContain('already decided');
    expect(await list('runs')).not.toContain(expect.stringMatching(/^glider/));
  });

  it('runs once for 50 concurrent clicks by two approvers, and audits each click', async () => {
    const request = await requested(USERS.alice, 'zeppelin', 'single');
    const clickers = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? USERS.bob : USERS.lead));
    const responses = await Promise.all(clickers.map((userId) => click(userId, request, 'launch_approve')));
    expect(responses.every((res) => res.status === 200)).toBe(true);
    await vi.waitFor(async () => {
      const entries = (await h.opsdeck.audit.latest(500)).filter(
        (e) => e.action === 'launches.approve' && e.target === 'launch/zeppelin',
      );
      expect(entries).toHaveLength(50);
      expect(entries.filter((e) => e.outcome === 'ok')).toHaveLength(1);
    });
    expect((await list('runs')).filter((run) => run.startsWith('zeppelin '))).toHaveLength(1);
  });
});
