import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer as answerOf } from '../support/deploys.js';
import {
  channelMessage,
  ephemeral,
  FLAGS_ENV,
  FLAGS_OPS_YML,
  ofrep,
  openFeatureClient,
  PRODUCTION_TOKEN,
  STAGING_TOKEN,
} from '../support/flags.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ opsYml: FLAGS_OPS_YML, env: FLAGS_ENV });
});
afterAll(async () => {
  await OpenFeature.close();
  await h.close();
});

const answer = (userId: string, text: string) => answerOf(h, userId, text);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('flags from Slack, evaluated over OFREP', () => {
  it('creates a flag off everywhere; a real OpenFeature client sees it follow Slack toggles and card clicks', async () => {
    expect(await answer(USERS.alice, 'flag create new-ui New checkout UI')).toMatch(
      /^Flag new-ui: staging off, production off/,
    );
    const client = await openFeatureClient(h.opsdeck.url, STAGING_TOKEN, 'staging-client');
    const details = await client.getBooleanDetails('new-ui', true, { targetingKey: 'user-1' });
    expect(details).toMatchObject({ value: false, reason: 'DISABLED', variant: 'off' });

    expect(await answer(USERS.alice, 'flag on new-ui in staging')).toMatch(/staging on · 100%/);
    // Every replica hears of the change through Redis pub/sub: within moments, not at once.
    await vi.waitFor(async () =>
      expect(await client.getBooleanDetails('new-ui', false, { targetingKey: 'user-1' })).toMatchObject({
        value: true,
        reason: 'STATIC',
      }),
    );

    // Turn off from the card, edited in place.
    const card = await ephemeral(h, USERS.alice, 'Flag new-ui: staging on');
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: card.ts,
      actionId: 'flags_toggle',
      blockId: 'flag-env-staging',
    });
    await ephemeral(h, USERS.alice, 'Flag new-ui: staging off');
    await vi.waitFor(async () =>
      expect(await client.getBooleanValue('new-ui', true, { targetingKey: 'user-1' })).toBe(false),
    );

    // The rollout select: 50% splits the targeting keys, stickily.
    const again = await ephemeral(h, USERS.alice, 'Flag new-ui: staging off');
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: again.ts,
      actionId: 'flags_rollout',
      blockId: 'flag-env-staging',
      selectedOption: { value: 'new-ui staging 50' },
    });
    await ephemeral(h, USERS.alice, 'Flag new-ui: staging on · 50%');
    await vi.waitFor(async () =>
      expect(await client.getBooleanDetails('new-ui', false, { targetingKey: 'u0' })).toMatchObject({
        reason: 'SPLIT',
      }),
    );
    const values = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.getBooleanDetails('new-ui', false, { targetingKey: `u${i}` })),
    );
    expect(new Set(values.map((v) => v.reason))).toEqual(new Set(['SPLIT']));
    expect(values.filter((v) => v.value).length).toBeGreaterThan(5);
    expect(values.filter((v) => !v.value).length).toBeGreaterThan(5);

    const history = await answer(USERS.bob, 'flag history new-ui');
    expect(history).toBe('History of new-ui');
  });

  it('needs an approver other than the requester for production; the approval applies the change once', async () => {
    await answer(USERS.alice, 'flag create prod-thing Something for production');
    expect(await answer(USERS.alice, 'flag on prod-thing in production')).toMatch(/needs approval/);
    const request = await channelMessage(h, 'Flag change: turn on prod-thing in production', /pending/);
    const client = await openFeatureClient(h.opsdeck.url, PRODUCTION_TOKEN, 'production-client');
    expect(await client.getBooleanValue('prod-thing', true, { targetingKey: 'a' })).toBe(false);

    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: request.ts,
      actionId: 'flag_approve',
    });
    await h.slack.waitForCall((c) => c.method === 'response_url' && /approver/.test(String(c.params.text)));
    await Promise.all([
      h.slack.sendBlockAction({
        userId: USERS.bob,
        channelId: CHANNEL,
        messageTs: request.ts,
        actionId: 'flag_approve',
      }),
      h.slack.sendBlockAction({
        userId: USERS.bob,
        channelId: CHANNEL,
        messageTs: request.ts,
        actionId: 'flag_approve',
      }),
    ]);
    await channelMessage(h, 'Flag change: turn on prod-thing in production', /approved/);
    await vi.waitFor(async () =>
      expect(await client.getBooleanValue('prod-thing', false, { targetingKey: 'a' })).toBe(true),
    );
    const history = await fetchHistory('prod-thing');
    expect(history.filter((c) => c.what === 'turned on')).toHaveLength(1);
    expect(history[0]).toMatchObject({
      environment: 'production',
      by: USERS.alice,
      approval: { approvedBy: USERS.bob },
    });
  });

  it('refuses people without the role, and hostile keys and ids, storing nothing', async () => {
    expect(await answer(USERS.carol, 'flag create other Something')).toMatch(/deployer/);
    for (const text of [
      'flag create <!channel> pinging everyone',
      'flag create list a reserved word',
      'flag create UPPER case',
      'flag create ok-key <@U0BOB> \u0007bell',
    ]) {
      expect(await answer(USERS.alice, text)).not.toMatch(/^Flag /);
    }
    await answer(USERS.alice, 'flag create targets-test Targets');
    for (const ids of ['<https://evil.example|click>', '*bold*', '<!here>']) {
      expect(await answer(USERS.alice, `flag target targets-test add ${ids}`)).toMatch(/targeting key is/);
    }
    const bulk = await ofrep(h.opsdeck.url, '/ofrep/v1/evaluate/flags', { context: {} }, bearer(STAGING_TOKEN));
    const keys = (bulk.body as { flags: Array<{ key: string }> }).flags.map((f) => f.key);
    expect(keys).not.toContain('other');
    expect(keys.filter((k) => !/^[a-z][a-z0-9._-]*$/.test(k))).toEqual([]);
    expect(await fetchHistory('targets-test')).toHaveLength(1);
  });

  it('answers OFREP with the spec’s shapes, errors and ETag/304', async () => {
    const url = h.opsdeck.url;
    expect((await ofrep(url, '/ofrep/v1/evaluate/flags/new-ui', { context: {} })).status).toBe(401);
    expect(
      (await ofrep(url, '/ofrep/v1/evaluate/flags/new-ui', { context: {} }, bearer('wrong-token-0123456789'))).status,
    ).toBe(401);
    const missing = await ofrep(url, '/ofrep/v1/evaluate/flags/nope', { context: {} }, bearer(STAGING_TOKEN));
    expect(missing).toMatchObject({ status: 404, body: { key: 'nope', errorCode: 'FLAG_NOT_FOUND' } });
    const noKey = await ofrep(url, '/ofrep/v1/evaluate/flags/new-ui', { context: {} }, bearer(STAGING_TOKEN));
    expect(noKey).toMatchObject({ status: 400, body: { key: 'new-ui', errorCode: 'TARGETING_KEY_MISSING' } });
    const badContext = await ofrep(
      url,
      '/ofrep/v1/evaluate/flags/new-ui',
      { context: { targetingKey: 7 } },
      bearer(STAGING_TOKEN),
    );
    expect(badContext).toMatchObject({ status: 400, body: { errorCode: 'INVALID_CONTEXT' } });
    const notJson = await ofrep(url, '/ofrep/v1/evaluate/flags/new-ui', '{"context":', bearer(STAGING_TOKEN));
    expect(notJson).toMatchObject({ status: 400, body: { errorCode: 'PARSE_ERROR' } });

    const first = await ofrep(
      url,
      '/ofrep/v1/evaluate/flags',
      { context: { targetingKey: 'u1' } },
      bearer(STAGING_TOKEN),
    );
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const again = await ofrep(
      url,
      '/ofrep/v1/evaluate/flags',
      { context: { targetingKey: 'u1' } },
      {
        ...bearer(STAGING_TOKEN),
        'if-none-match': etag,
      },
    );
    expect(again.status).toBe(304);
    await answer(USERS.alice, 'flag off new-ui in staging');
    await vi.waitFor(async () => {
      const changed = await ofrep(
        url,
        '/ofrep/v1/evaluate/flags',
        { context: { targetingKey: 'u1' } },
        {
          ...bearer(STAGING_TOKEN),
          'if-none-match': etag,
        },
      );
      expect(changed.status).toBe(200);
    });
  });

  it('never answers a fuzzed OFREP body with a 5xx', async () => {
    const bodies: unknown[] = [
      '',
      'null',
      '[]',
      '"x"',
      '{"context": null}',
      '{"context": []}',
      '{"context": {"targetingKey": null}}',
      '{"context": {"targetingKey": "x".repeat}}',
      JSON.stringify({ context: { targetingKey: 'x'.repeat(10_000) } }),
      JSON.stringify({ context: { $flagd: { flagKey: 'other' }, targetingKey: 'a' } }),
      JSON.stringify({ context: { __proto__: { polluted: true }, constructor: { prototype: 1 }, targetingKey: 'a' } }),
      JSON.stringify({ context: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])) }),
      JSON.stringify({ context: { targetingKey: 'a', deep: JSON.parse(`${'{"a":'.repeat(50)}1${'}'.repeat(50)}`) } }),
      'x'.repeat(200_000),
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '"context"',
      ':',
      ',',
      '"targetingKey"',
      '"a"',
      '1',
      'null',
      'true',
      '\\u0000',
      '"',
    ];
    for (let i = 0; i < 150; i++) {
      bodies.push(
        Array.from({ length: 1 + Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join(
          '',
        ),
      );
    }
    for (const body of bodies) {
      for (const path of ['/ofrep/v1/evaluate/flags/new-ui', '/ofrep/v1/evaluate/flags']) {
        const res = await ofrep(h.opsdeck.url, path, body, bearer(STAGING_TOKEN));
        expect(res.status, `${path} ${String(body).slice(0, 80)}`).toBeLessThan(500);
      }
    }
  });
  it('exports an environment as a flagd file: the command enqueues, a worker uploads it to the channel', async () => {
    // Slack shares a file only in a channel the app is a member of: the bot has been invited to this one.
    h.slack.state.channels.get(CHANNEL)!.members.push(h.slack.state.botUserId);
    await answer(USERS.alice, 'flag create export-me Exported flag');
    await answer(USERS.alice, 'flag on export-me in staging');
    expect(await answer(USERS.alice, 'flag export staging')).toMatch(/Exporting the flagd file of staging/);
    const file = await vi.waitFor(
      () => {
        const shared = [...h.slack.state.files.values()].find(
          (f) => f.name === 'staging.flagd.json' && f.shares.some((s) => s.channel === CHANNEL),
        );
        expect(shared?.completed).toBe(true);
        return shared!;
      },
      { timeout: 15_000, interval: 50 },
    );
    const flagSet = JSON.parse(file.content!.toString('utf8')) as { flags: Record<string, { state: string }> };
    expect(flagSet.flags['export-me']?.state).toBe('ENABLED');
    await h.slack.waitForCall(
      (c) => c.method === 'response_url' && /Uploaded the flagd file of staging/.test(String(c.params.text)),
      15_000,
    );
  });
});

async function fetchHistory(key: string): Promise<Array<Record<string, unknown>>> {
  const { FlagStore } = await import('../../src/flags/store.js');
  const { redisClient } = await import('../support/redis.js');
  const redis = redisClient();
  try {
    const store = new FlagStore(redis, (...parts) => [h.prefix, 'flags', ...parts].join(':'), [
      'staging',
      'production',
    ]);
    return (await store.history(key, 50)) as unknown as Array<Record<string, unknown>>;
  } finally {
    redis.disconnect();
  }
}
