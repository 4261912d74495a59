import { WebClient } from '@slack/web-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../src/capabilities.js';
import { BROWSER_TESTS, launchPage, openChannelAs } from '../support/browser.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { startListener } from '../support/listener.js';

/**
 * The local workspace page in headless Chromium: a person pins a message, reacts to it and uses a message shortcut
 * from its hover menu, and Opsdeck hears each; a file the bot uploaded shows on its message and opens.
 */

const WAIT_MS = 15_000;

const listener = startListener();
let h: Harness;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;

beforeAll(async () => {
  h = await startHarness({ capabilities: [...CAPABILITIES, listener.capability], app: listener.app });
  // Slack sends bot events only from conversations the bot is in; the harness's #ops has people only.
  h.slack.state.addMember(h.slack.state.channels.get(CHANNEL)!, h.slack.state.botUserId);
  browser = await launchPage(WAIT_MS);
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const message = (text: string) => page.locator('#messages article.msg', { hasText: text });

describe.runIf(BROWSER_TESTS)('people act on messages in the local workspace page', () => {
  it('pins, reacts and uses a message shortcut from the hover menu; Opsdeck hears each', {
    timeout: 60_000,
  }, async () => {
    await openChannelAs(page, h.slack.url, USERS.alice, CHANNEL, 'ops');
    const composer = page.locator('#composer-input');
    await composer.fill('checkout is returning 500s');
    await composer.press('Enter');
    const msg = message('checkout is returning 500s');
    await msg.waitFor();
    const ts = (await msg.getAttribute('data-ts')) ?? '';

    await msg.hover();
    await msg.locator('[data-msg-action="react"][data-reaction="eyes"]').click();
    const reaction = await listener.heardOne('reaction_added');
    expect(reaction).toMatchObject({ user: USERS.alice, reaction: 'eyes', item: { channel: CHANNEL, ts } });
    await msg.locator('.reactions .reaction', { hasText: '1' }).waitFor();

    await msg.hover();
    await msg.locator('[data-msg-action="pin"]').click();
    const pin = await listener.heardOne('pin_added');
    expect(pin).toMatchObject({ user: USERS.alice, channel_id: CHANNEL, item_user: USERS.alice });
    await msg.locator('.msg-pinned-note', { hasText: 'Pinned' }).waitFor();
    expect(await msg.locator('[data-msg-action="pin"]').count()).toBe(0);

    await msg.hover();
    await msg.locator('.msg-more summary').click();
    await msg.locator('[data-msg-action="shortcut"]', { hasText: 'Listen' }).click();
    const shortcut = await listener.heardOne('shortcut');
    expect(shortcut).toMatchObject({
      callbackId: 'listen_to_message',
      userId: USERS.alice,
      message: { channelId: CHANNEL, ts, text: 'checkout is returning 500s' },
    });
    // Each went to Opsdeck signed and was acked: the request log shows them.
    for (const kind of ['event_callback', 'message_action']) {
      await page.locator(`#request-log tr[data-kind="${kind}"]`).first().waitFor();
    }
  });

  it('shows a file the bot uploaded on its message, and opens its content', { timeout: 60_000 }, async () => {
    await openChannelAs(page, h.slack.url, USERS.bob, CHANNEL, 'ops');
    const content = 'step 1: roll back\nstep 2: tell #ops\n';
    const bot = new WebClient(h.botToken, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    await bot.filesUploadV2({
      channel_id: CHANNEL,
      file: Buffer.from(content),
      filename: 'runbook.txt',
      title: 'Checkout runbook',
      initial_comment: 'Runbook attached',
    });
    const file = message('Runbook attached').locator('.msg-file');
    await file.waitFor();
    expect(await file.locator('.file-open').textContent()).toContain('Checkout runbook');
    expect(await file.textContent()).toContain('runbook.txt');
    const href = (await file.locator('.file-open').getAttribute('href')) ?? '';
    const opened = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    }, href);
    expect(opened).toEqual({ status: 200, type: 'text/plain', text: content });
    // The page serves files only to people of the workspace who can see a conversation they were shared in.
    const outsider = await page.evaluate(async (url) => (await fetch(url)).status, href.replace(USERS.bob, 'U0NOBODY'));
    expect(outsider).toBe(400);
  });
});
