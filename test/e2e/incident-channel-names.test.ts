import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    opsYml: `
slack: { incidentChannelPrefix: inc }
roles:
  responder: ["*"]
incidents:
  severities: { sev1: {}, sev2: {} }
`,
  });
});
afterAll(() => h.close());

/** Titles in other scripts, emoji only, and two that transliterate to the same slug, all declared on one day. */
const TITLES = [
  'Платежи не проходят',
  'платежи не проходят!',
  '支付失败',
  '東京のサーバーがダウン',
  'فشل الدفع',
  '데이터베이스 장애',
  '🔥🔥🔥',
  '😱',
  '🚨 🚨',
  'Ελληνικά σφάλματα',
  '500 503',
];

describe('incident channel names', () => {
  it('gives every title a channel: transliterated, else the incident’s number, with no create per taken name', async () => {
    for (const title of TITLES) {
      const res = await h.slack.sendCommand({
        userId: USERS.alice,
        channelId: CHANNEL,
        text: `incident declare sev2 ${title}`,
      });
      expect(res.status).toBe(200);
    }
    const channels = await vi.waitFor(
      () => {
        const made = [...h.slack.state.channels.values()].filter((c) => c.name.startsWith('inc-'));
        expect(made).toHaveLength(TITLES.length);
        for (const channel of made) expect(h.slack.state.pins.get(channel.id)?.size ?? 0).toBeGreaterThan(0);
        return made;
      },
      // Slack allows conversations.create, setTopic and pins.add about 20 times a minute: the outbox paces them.
      { timeout: 100_000, interval: 100 },
    );
    const names = channels.map((c) => c.name).sort();
    expect(new Set(names).size).toBe(TITLES.length);
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^inc-\d{8}-platezhi-ne-prohodyat$/),
        expect.stringMatching(/^inc-\d{8}-zhi-fu-shi-bai$/),
        expect.stringMatching(/^inc-\d{8}-deiteobeiseu-jangae$/),
        expect.stringMatching(/^inc-\d{8}-ellinika-sfalmata$/),
      ]),
    );
    // The emoji-only titles, the digits-only one and the second `platezhi…` are named by their incident's number.
    expect(names.filter((name) => /^inc-\d{8}-\d+$/.test(name))).toHaveLength(5);
    // The names tried are the channels' own: the one slug that was taken costs one more create and one look-up,
    // never `-2`, `-3`… one by one. (A call Slack answered 429 to is sent again: that is pacing, not a name.)
    const answered = (method: string) =>
      h.slack.calls.filter((c) => c.method === method && (c.response as { error?: string }).error !== 'ratelimited');
    const creates = answered('conversations.create');
    expect(new Set(creates.map((c) => c.params.name)).size).toBe(TITLES.length);
    // Each channel was made once. (A create whose answer was lost is sent again under the same name and adopted: that
    // is a retry, not a name, so the count of creates is not bounded here, only the names and the channels made.)
    expect(creates.filter((c) => (c.response as { ok?: boolean }).ok === true)).toHaveLength(TITLES.length);
    // One look-up for the slug that was taken; a create sent again after a lost answer may look once more.
    const resent = creates.length - new Set(creates.map((c) => c.params.name)).size;
    expect(answered('conversations.list').length).toBeLessThanOrEqual(2 + resent);
  }, 120_000);
});
