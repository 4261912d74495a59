import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../src/workspace/server.js';
import { answer, deployMessage, idOf, recordingDeploy } from '../support/deploys.js';
import { CHANNEL, type Harness, servicesYml, startHarness, USERS } from '../support/harness.js';
import { redisUrl } from '../support/redis.js';
import { freePort, startHttpTarget } from '../support/targets.js';

let h: Harness;
let deployDir: string;
let target: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  target = await startHttpTarget((req, res) => {
    res.statusCode = req.url === '/healthz' ? 200 : 503;
    res.end(req.url === '/healthz' ? 'ok' : 'down');
  });
  const refused = await freePort();
  deployDir = mkdtempSync(join(tmpdir(), 'opsdeck-status-'));
  h = await startHarness({
    opsYml: servicesYml(`
  api:
    channel: ${CHANNEL}
    checks:
      http: { type: http, url: "${target.url}/healthz", expect: { status: 200 } }
      cache: { type: redis, url: "${redisUrl()}" }
    deploy:
      ${recordingDeploy(deployDir)}
      environments:
        staging: {}
  web:
    checks:
      http: { type: http, url: "${target.url}/healthz" }
      login: { type: http, url: "${target.url}/login" }
  billing:
    checks:
      http: { type: http, url: "http://127.0.0.1:${refused}/healthz", timeout: 1s }
  docs: {}
`),
  });
});
afterAll(async () => {
  await h?.close();
  await target?.close();
  rmSync(deployDir, { recursive: true, force: true });
});

/** The bot's message in the channel whose post or update satisfies `done`, as it stands once that call went through. */
async function finalMessage(done: (c: RecordedCall) => boolean) {
  const call = await h.slack.waitForCall(done);
  const ts = (call.response.ts ?? call.params.ts) as string;
  return h.slack.state.messages.get(CHANNEL)!.find((m) => m.ts === ts)!;
}

const blocksText = (message: { blocks?: unknown[] }) => JSON.stringify(message.blocks ?? []);

describe('/ops status', () => {
  it('posts every service as checking at once, then edits in each service’s health', async () => {
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status' });
    expect(res.status).toBe(200);

    const posted = await h.slack.waitForCall((c) => c.method === 'chat.postMessage' && c.params.channel === CHANNEL);
    expect(String(posted.params.text)).toContain('(checking…)');
    expect(JSON.stringify(posted.params.blocks)).toContain('3 checking');

    const final = await finalMessage(
      (c) =>
        c.method === 'chat.update' && c.params.ts === posted.response.ts && !String(c.params.text).includes('checking'),
    );
    const text = blocksText(final);
    expect(final.text).toBe('Service status: 1 down   1 degraded   1 no checks   1 healthy');
    // Unhealthy before healthy, with the failing check's reason.
    expect(text.indexOf('*billing* — down')).toBeLessThan(text.indexOf('*web* — degraded'));
    expect(text.indexOf('*web* — degraded')).toBeLessThan(text.indexOf('*api* — healthy'));
    expect(text).toMatch(/billing\* — down · \d+ ms · http: connection refused/);
    expect(text).toMatch(/web\* — degraded · \d+ ms · login: 503 \(expected 2xx\)/);
  });

  it('shows one service’s checks in detail with their recent results', async () => {
    await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status web' });
    const final = await finalMessage((c) => c.method === 'chat.update' && String(c.params.text) === 'web: degraded');
    const text = blocksText(final);
    expect(text).toContain('web — degraded');
    expect(text).toContain(':white_check_mark: *http* (http) — 200 in');
    expect(text).toContain(':x: *login* (http) — 503 (expected 2xx)');
    // Two runs each by now: the overview's and this one's.
    expect(text).toContain('`✗✗` last 2');
  });

  it('shows each service’s last deploy, from the deploys capability', async () => {
    const text = await answer(h, USERS.alice, 'deploy api 1.0.0');
    await deployMessage(h, idOf(text), 'succeeded');

    const before = h.slack.calls.length;
    // The channel takes a post a second: a post that waited for its turn carries the finished content itself.
    const isNew = (c: RecordedCall) =>
      h.slack.calls.indexOf(c) >= before && (c.method === 'chat.update' || c.method === 'chat.postMessage');
    await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status' });
    const overview = await finalMessage((c) => isNew(c) && String(c.params.text).startsWith('Service status: 1 down'));
    expect(blocksText(overview)).toMatch(/\*api\* — healthy · [^"]*:rocket: 1\.0\.0 → staging/);

    await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status api' });
    const detail = await finalMessage((c) => isNew(c) && String(c.params.text) === 'api: healthy');
    expect(blocksText(detail)).toMatch(/:rocket: 1\.0\.0 → staging <!date\^\d+\^/);
  });

  it('stops asking a target that keeps refusing: "circuit open" after 5 failures in a row', async () => {
    let text = '';
    // Earlier tests ran billing's check too; the breaker counts every run, so this opens within 6 more.
    for (let run = 0; run < 6 && !text.includes('circuit open'); run++) {
      const before = h.slack.calls.length;
      await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status billing' });
      const final = await finalMessage(
        (c) =>
          h.slack.calls.indexOf(c) >= before &&
          (c.method === 'chat.update' || c.method === 'chat.postMessage') &&
          String(c.params.text) === 'billing: down',
      );
      text = blocksText(final);
    }
    expect(text).toContain(':x: *http* (http) — circuit open');
    // The history: five refusals, then a run that did not ask the target.
    expect(text).toMatch(/`✗*✗✗✗✗✗○` last \d+/);
  });

  it('answers an unknown service with the known ones and a suggestion', async () => {
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status biling' });
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String((res.body as { text: string }).text)).toBe('No service biling. Did you mean `billing`?');
    expect(JSON.stringify(res.body)).toContain('Known services: `api`, `web`, `billing`, `docs`');
  });
});
