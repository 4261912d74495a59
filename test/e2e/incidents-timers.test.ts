import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

/**
 * Reminders and escalations are delayed jobs. A change that makes one stale (a status update, the acknowledgement,
 * the resolve) takes it out of BullMQ's delayed set at once, instead of leaving it to fire in an hour and do nothing.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    opsYml: `
slack:
  alertsChannel: ${CHANNEL}
  incidentsChannel: ${CHANNEL}
  incidentChannelPrefix: tmr
roles:
  responder: [U0ALICE, U0BOB]
incidents:
  severities:
    sev1: { updateEvery: 1h }
    sev2: { updateEvery: 2h }
  escalation:
    ackWithin: 1h
    levels: [[U0ADMIN]]
`,
  });
});
afterAll(() => h.close());

const WAIT = { timeout: 15_000, interval: 20 };

/** The ids of incident `id`'s timers in the timer queue's delayed set. */
async function delayed(id: string): Promise<string[]> {
  const jobs = await h.opsdeck.queues.queue('incidents-timer').getDelayed();
  return jobs
    .map((job) => job.id!)
    .filter((jobId) => jobId.split('-')[1] === id)
    .sort();
}

async function ops(channelId: string, text: string): Promise<string> {
  const before = h.slack.calls.length;
  const res = await h.slack.sendCommand({ userId: USERS.alice, channelId, text });
  const body = res.body as { text?: string } | string;
  if (typeof body === 'object' && body?.text) return body.text;
  const reply = await h.slack.waitForCall(
    (c) =>
      h.slack.calls.indexOf(c) >= before && c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
  );
  return String(reply.params.text);
}

async function declared(title: string, slug: string): Promise<{ id: string; channel: string }> {
  const answer = await ops(CHANNEL, `incident declare sev1 ${title}`);
  const id = /#(\d+)/.exec(answer)![1]!;
  const channel = await vi.waitFor(() => {
    const found = [...h.slack.state.channels.values()].find((c) => c.name.endsWith(slug));
    expect(found).toBeDefined();
    return found!.id;
  }, WAIT);
  return { id, channel };
}

describe('incident timers in the delayed set', () => {
  it('an update, the acknowledgement and the resolve each take what they made stale out at once', async () => {
    const { id, channel } = await declared('Queue is stuck', '-queue-is-stuck');
    // Declared: a reminder for update 0 and the escalation wait in the delayed set.
    await vi.waitFor(async () => expect(await delayed(id)).toEqual([`escalate-${id}-0`, `remind-${id}-0`]), WAIT);

    // Acknowledged: nothing left to escalate, gone when the command answers.
    await ops(channel, 'incident ack');
    expect(await delayed(id)).toEqual([`remind-${id}-0`]);

    // A status update: the reminder of update 0 is gone at once; update 1's takes its place.
    await ops(channel, 'incident status identified a stuck consumer');
    expect(await delayed(id)).not.toContain(`remind-${id}-0`);
    await vi.waitFor(async () => expect(await delayed(id)).toEqual([`remind-${id}-1`]), WAIT);

    // Resolved: no reminder either.
    await ops(channel, 'incident resolve restarted the consumer');
    expect(await delayed(id)).toEqual([]);
  });

  it('a new severity replaces the escalation timer instead of adding a second one', async () => {
    const { id, channel } = await declared('Disk almost full', '-disk-almost-full');
    await vi.waitFor(async () => expect(await delayed(id)).toEqual([`escalate-${id}-0`, `remind-${id}-0`]), WAIT);
    await ops(channel, 'incident sev 2');
    await vi.waitFor(async () => {
      const ids = await delayed(id);
      expect(ids.filter((jobId) => jobId.startsWith(`escalate-${id}-`))).toEqual([`escalate-${id}-0`]);
    }, WAIT);
    await ops(channel, 'incident resolve freed space');
    expect(await delayed(id)).toEqual([]);
  });
});
