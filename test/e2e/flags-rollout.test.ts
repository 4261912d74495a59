import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceJobs, manualClock } from '../support/clock.js';
import { answer as answerOf } from '../support/deploys.js';
import { channelMessage, FLAGS_ENV, FLAGS_OPS_YML } from '../support/flags.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

let h: Harness;
let health: Server;
let healthy = true;
const clock = manualClock(Date.UTC(2026, 0, 5, 9));
const MINUTE = 60_000;

beforeAll(async () => {
  health = createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end());
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  const port = (health.address() as AddressInfo).port;
  h = await startHarness({
    opsYml: `${FLAGS_OPS_YML}
services:
  api:
    checks: { http: { type: http, url: "http://127.0.0.1:${port}/healthz", timeout: 2s } }
`,
    env: FLAGS_ENV,
    now: () => new Date(clock.now()),
  });
});
afterAll(async () => {
  await h.close();
  health.close();
});

const answer = (userId: string, text: string) => answerOf(h, userId, text);
const advance = (ms: number) => advanceJobs(h.opsdeck.queues, 'flag-rollout', clock, ms);
const rolloutMessage = (key: string, pattern: RegExp) => channelMessage(h, `Rollout of ${key} in staging`, pattern);

describe('guarded progressive rollouts', () => {
  it('steps up on the platform clock and halts back to the last healthy percentage when the guard fails', async () => {
    await answer(USERS.alice, 'flag create ramp Ramp me');
    expect(await answer(USERS.alice, 'flag rollout ramp 10% to 100% over 1h in staging guard api')).toMatch(/started/);
    await rolloutMessage('ramp', /running at 10% \(last healthy 10%\)/);

    await advance(15 * MINUTE);
    await rolloutMessage('ramp', /running at 33%/);
    await advance(MINUTE);
    await rolloutMessage('ramp', /running at 33% \(last healthy 33%\)/);

    await advance(14 * MINUTE);
    await rolloutMessage('ramp', /running at 55% \(last healthy 33%\)/);
    healthy = false;
    await advance(MINUTE);
    await rolloutMessage('ramp', /halted at 33%/);
    expect(await answer(USERS.alice, 'flag ramp')).toMatch(/staging on · 33%/);
    const halt = (h.slack.state.messages.get(CHANNEL) ?? []).find((m) => m.text.startsWith(':octagonal_sign: Halted'));
    expect(halt?.text).toMatch(/check api\.http failed/);
    const history = await answer(USERS.bob, 'flag history ramp');
    expect(history).toBe('History of ramp');
    healthy = true;
  });

  it('pauses, resumes and aborts from the buttons', async () => {
    await answer(USERS.alice, 'flag create knob Knob');
    await answer(USERS.alice, 'flag rollout knob 20% to 60% over 30m in staging');
    const running = await rolloutMessage('knob', /running at 20%/);
    const click = (actionId: string) =>
      h.slack.sendBlockAction({ userId: USERS.alice, channelId: CHANNEL, messageTs: running.ts, actionId });
    await click('flags_rollout_pause');
    await rolloutMessage('knob', /paused at 20%/);
    await click('flags_rollout_resume');
    await rolloutMessage('knob', /running at 20%/);
    await advance(15 * MINUTE);
    await rolloutMessage('knob', /running at 40%/);
    await click('flags_rollout_abort');
    await rolloutMessage('knob', /aborted at 40%/);
  });

  it('refuses a progressive rollout where each change needs approval, and an unknown guard', async () => {
    await answer(USERS.alice, 'flag create gated Gated');
    expect(await answer(USERS.alice, 'flag rollout gated 5% to 100% over 2h in production')).toMatch(/needs approval/);
    expect(await answer(USERS.alice, 'flag rollout gated 5% to 100% over 2h guard nosuch')).toMatch(/not a service/);
  });
});
