import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/workspace/local/private-redis.js';
import { BROWSER_TESTS, launchPage, openChannelAs } from '../support/browser.js';
import { localModeEnv, type OpsdeckProcess, spawnOpsdeck } from '../support/process.js';
import { deletePrefix, redisClient, uniquePrefix } from '../support/redis.js';

/**
 * Issue #20: local mode restarted in the middle of an incident. Carol declares it from the page, posts a status
 * update in its channel, `npm start` is stopped and started again on the same data, and after a reload the page shows
 * the same channel (same id) with its card and messages, and the incident is resolved from there.
 */
const WAIT_MS = 20_000;

const prefix = uniquePrefix();
let env: Record<string, string>;
let proc: OpsdeckProcess | undefined;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;

/** `npm start` in a test: the same Redis prefix and workspace port every time, as a person's restarts are. */
async function startLocal(): Promise<string> {
  proc = spawnOpsdeck(env, { entry: 'local' });
  const ready = await proc.waitForLog((line) => typeof line.workspaceUrl === 'string');
  return ready.workspaceUrl as string;
}

beforeAll(async () => {
  env = { ...localModeEnv(prefix), WORKSPACE_PORT: String(await freePort()) };
  browser = await launchPage(WAIT_MS, { viewport: { width: 1440, height: 900 } });
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  const redis = redisClient();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const messages = (text: string | RegExp) => page.locator('#messages article.msg', { hasText: text });

async function type(text: string): Promise<void> {
  await page.locator('#composer-input').fill(text);
  await page.locator('#composer-input').press('Enter');
}

describe.runIf(BROWSER_TESTS)('the local workspace across a restart', () => {
  it('declare, restart mid-incident, the same channel with its card and messages, resolve from the channel', {
    timeout: 120_000,
  }, async () => {
    let url = await startLocal();
    await openChannelAs(page, url, 'U0CAROL', 'C0INCIDENTS', 'incidents');
    await type('/ops incident declare sev3 Checkout is slow');
    const nav = page.locator('[data-nav]', { hasText: 'checkout-is-slow' });
    await nav.click();
    const channelId = (await nav.getAttribute('data-nav')) as string;
    const title = await page.locator('#channel-title', { hasText: /# inc-\d{8}-checkout-is-slow/ }).textContent();
    const channelName = (title ?? '').replace(/^#\s*/, '').trim();
    const card = page.locator('#messages article.msg.msg-pinned', { hasText: 'Checkout is slow' });
    await card.waitFor();
    await type('/ops incident status identified Cache is cold');
    await messages('identified: Cache is cold').waitFor();

    proc!.child.kill('SIGTERM');
    expect((await proc!.exited).code).toBe(0);
    url = await startLocal();

    // A person reloads the tab: the same channel, by id, with the card and the update.
    await page.reload();
    await openChannelAs(page, url, 'U0CAROL', channelId, channelName);
    await card.waitFor();
    await messages('identified: Cache is cold').waitFor();

    await type('/ops incident resolve Warmed the cache');
    await messages('Time to acknowledge').waitFor();
    await card.filter({ hasText: 'Warmed the cache' }).waitFor();
    expect(await card.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
    expect(await page.locator('[data-nav]', { hasText: 'checkout-is-slow' }).count()).toBe(1);
  });
});
