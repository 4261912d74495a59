import { mkdirSync, readFileSync } from 'node:fs';
import { WebClient } from '@slack/web-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, launchPage, openChannelAs } from '../support/browser.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { startWorkspace, type WorkspaceFixture } from '../unit/workspace/fixture.js';

/**
 * A person using Opsdeck from the local workspace page in a real (headless) Chromium: the page, its SSE stream and
 * the signed requests it makes the workspace send, against Opsdeck running for real.
 */

const WAIT_MS = 15_000;
/** The viewer's time zone: `<!date^…>` tokens render in it. */
const TIME_ZONE = 'Asia/Tokyo';

let h: Harness;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;

beforeAll(async () => {
  h = await startHarness();
  browser = await launchPage(WAIT_MS, { viewport: { width: 1440, height: 900 }, timezoneId: TIME_ZONE });
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The message elements (top level and in threads) of the open channel whose text contains `text`. */
const messages = (text: string) => page.locator('#messages article.msg', { hasText: text });

async function send(line: string): Promise<void> {
  const composer = page.locator('#composer-input');
  await composer.fill(line);
  await composer.press('Enter');
}

describe.runIf(BROWSER_TESTS)('the local workspace page', () => {
  it('runs /ops help and /ops ping, and "Ping again" replaces the pong in place', { timeout: 60_000 }, async () => {
    await openChannelAs(page, h.slack.url, USERS.carol, CHANNEL, 'ops');

    await send('/ops help');
    const help = messages('/ops audit [<n>]');
    await help.waitFor();
    await expect(help.locator('.msg-ephemeral-note').textContent()).resolves.toContain('Only visible to you');
    await expect(help.locator('.bk-header').textContent()).resolves.toBe('Opsdeck commands');

    await send('/ops ping');
    const pong = messages('Pong from worker');
    await pong.waitFor();
    expect(await pong.count()).toBe(1);
    // The worker's reply (response_url, replace_original) replaced the command's "Pinging the workers…" in place.
    await expect(messages('Pinging the workers').count()).resolves.toBe(0);
    const ts = await pong.getAttribute('data-ts');
    const replaced = await pong.getAttribute('data-edited');
    expect(replaced).not.toBeNull();

    await pong.getByRole('button', { name: 'Ping again' }).click();
    // The worker answers through the click's response_url with replace_original; the stream brings the edit.
    await page.locator(`article.msg[data-ts="${ts}"][data-edited]:not([data-edited="${replaced}"])`).waitFor();
    expect(await pong.count()).toBe(1);
    await expect(pong.getAttribute('data-ts')).resolves.toBe(ts);
    await expect(pong.locator('.msg-edited').textContent()).resolves.toBe('(edited)');
    await expect(pong.textContent()).resolves.toContain('Pong from worker');

    // Every signed request is in the log with its status and ack time, newest first.
    const rows = page.locator('#request-log tr');
    await rows.nth(2).waitFor();
    const kinds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')));
    expect(kinds.slice(0, 3)).toEqual(['block_actions', 'command', 'command']);
    const click = rows.first();
    await expect(click.locator('.req-summary').textContent()).resolves.toBe('ping_again');
    await expect(click.locator('.req-user').textContent()).resolves.toBe('carol');
    await expect(click.locator('.req-status').textContent()).resolves.toBe('200');
    await expect(click.locator('.req-ack').textContent()).resolves.toMatch(/^\d+ ms$/);
    await expect(rows.nth(2).locator('.req-summary').textContent()).resolves.toBe('/ops help');

    mkdirSync('test-results', { recursive: true });
    // A test artifact; docs/workspace.png (the README's screenshot) comes from `npm run screenshot`.
    await page.screenshot({ path: 'test-results/workspace.png' });
  });

  it('keeps the signed-in user across a reload', async () => {
    await page.reload();
    await page.locator('#channel-title', { hasText: '# ops' }).waitFor();
    await expect(page.locator('#user-switcher').inputValue()).resolves.toBe(USERS.carol);
    await messages('Pong from worker').waitFor();
  });

  it('downloads the recordings as JSON fixtures', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    expect(download.suggestedFilename()).toMatch(/^opsdeck-recordings-.+\.json$/);
    const file = await download.path();
    const recordings = JSON.parse(readFileSync(file, 'utf8')) as {
      requests: Array<{ kind: string; summary: string; headers: Record<string, string> }>;
      calls: Array<{ method: string; params: Record<string, unknown> }>;
    };
    expect(recordings.requests.map((r) => r.summary)).toEqual(['/ops help', '/ops ping', 'ping_again']);
    expect(recordings.requests[0]?.headers).not.toHaveProperty('x-slack-signature');
    expect(recordings.calls.some((c) => c.method === 'response_url' && c.params.replace_original === true)).toBe(true);
  });

  it('shows a channel Opsdeck creates as soon as it exists, with its messages and threads', async () => {
    // What the incidents capability will do: create a channel, invite people, post, reply in a thread.
    const opsdeck = new WebClient(h.botToken, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    const created = await opsdeck.conversations.create({ name: 'inc-2026-12-02-db-down' });
    const channel = created.channel!.id!;
    await opsdeck.conversations.invite({ channel, users: USERS.carol });
    const root = await opsdeck.chat.postMessage({ channel, text: 'Incident declared: db down' });
    await opsdeck.chat.postMessage({ channel, thread_ts: root.ts!, text: 'Paged the on-call DBA' });

    await page.locator(`[data-nav="${channel}"]`, { hasText: 'inc-2026-12-02-db-down' }).click();
    await page.locator('#channel-title', { hasText: '# inc-2026-12-02-db-down' }).waitFor();
    await messages('Incident declared: db down').waitFor();
    await expect(messages('Paged the on-call DBA').count()).resolves.toBe(0);
    await page.locator('.thread-toggle', { hasText: '1 reply' }).click();
    await page.locator('#messages .thread article.msg', { hasText: 'Paged the on-call DBA' }).waitFor();
  });

  it("renders <!date^…> tokens in the viewer's time zone, as Slack does", async () => {
    const opsdeck = new WebClient(h.botToken, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    await opsdeck.chat.postMessage({
      channel: CHANNEL,
      text: 'Audit entry <!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>',
    });
    await page.locator(`[data-nav="${CHANNEL}"]`).click();
    const entry = messages('Audit entry');
    await entry.waitFor();
    // 22:13 UTC on Nov 14 is 7:13 the next morning in Tokyo.
    await expect(entry.locator('time.md-date').textContent()).resolves.toBe('Nov 15, 2023 7:13 AM');
    await expect(entry.locator('time.md-date').getAttribute('title')).resolves.toBe('2023-11-14 22:13 UTC');
  });

  it('keeps a message posted while a user switch reads the state, though the state it reads is older', async () => {
    // A switch reads the state, opens the stream, then reads the state once more. Here that second read is answered
    // from before a post whose stream event reaches the page first: the post must survive the older state replacing
    // the page's (it did not, and a deploy posted during a switch never showed its Approve button).
    const opsdeck = new WebClient(h.botToken, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    let reads = 0;
    let servedOlder!: () => void;
    const olderServed = new Promise<void>((resolve) => {
      servedOlder = resolve;
    });
    await page.route('**/workspace/state?*', async (route) => {
      reads += 1;
      if (reads !== 2) return route.continue();
      const older = await route.fetch();
      await opsdeck.chat.postMessage({ channel: CHANNEL, text: 'Posted during the switch' });
      await messages('Posted during the switch').waitFor();
      // The next render is the older state's: its switcher options are new elements.
      await page.locator('#user-switcher option[selected]').evaluate((el) => el.setAttribute('data-before', ''));
      await route.fulfill({ response: older });
      servedOlder();
    });
    await page.selectOption('#user-switcher', USERS.bob);
    await olderServed;
    await page.locator(`#user-switcher option[value="${USERS.bob}"][selected]:not([data-before])`).waitFor({
      state: 'attached',
    });
    await expect(messages('Posted during the switch').count()).resolves.toBe(1);
    await page.unroute('**/workspace/state?*');
    await openChannelAs(page, h.slack.url, USERS.carol, CHANNEL, 'ops');
  });

  it("answers a command that is not the app's at once, as Slackbot, without calling Opsdeck", async () => {
    const sent = h.slack.requests.entries.length;
    await send('/deploy api prod');
    const answer = messages('is not a valid command');
    await answer.waitFor();
    await expect(answer.locator('.msg-author').textContent()).resolves.toBe('Slackbot');
    await expect(answer.locator('.msg-ephemeral-note').textContent()).resolves.toContain('Only visible to you');
    await expect(answer.locator('.md-code').textContent()).resolves.toBe('/deploy');
    await expect(page.locator('#composer-status').textContent()).resolves.toBe('');
    expect(h.slack.requests.entries.length).toBe(sent);
  });

  it('opens the Home tab, which Opsdeck publishes on app_home_opened, with no composer', async () => {
    await page.locator('#home-link').click();
    await page.locator('#messages .home .bk-header', { hasText: 'Opsdeck' }).waitFor();
    await page
      .locator('#request-log tr[data-kind="event_callback"] .req-summary', { hasText: 'app_home_opened' })
      .waitFor();
    // Slack's Home tab has no message composer.
    await page.locator('#composer').waitFor({ state: 'hidden' });
  });

  it("opens Home for a user switched to on Home, and shows that user's Home", async () => {
    await page.selectOption('#user-switcher', USERS.alice);
    await page.locator('#user-switcher option[value="U0ALICE"][selected]').waitFor({ state: 'attached' });
    // The switch sends app_home_opened for alice, who never opened Home; Opsdeck publishes hers.
    await page.locator('#request-log tr[data-kind="event_callback"]', { hasText: 'alice' }).waitFor();
    await page.locator('#messages .home .bk-header', { hasText: 'Opsdeck' }).waitFor();
    await expect(page.locator('#messages').textContent()).resolves.not.toContain('loading');
    const homeOfAlice = h.slack.state.homeViews.get(USERS.alice);
    await expect(page.locator('#messages .home').getAttribute('data-view-id')).resolves.toBe(homeOfAlice);
    expect(homeOfAlice).not.toBe(h.slack.state.homeViews.get(USERS.carol));
  });

  it('keeps the Ack column in view when long rows are in the log', async () => {
    await expectAckColumnVisible(page);
  });

  it('keeps the conversation readable at 800 px wide', async () => {
    const narrow = await browser.context.newPage();
    try {
      await narrow.setViewportSize({ width: 800, height: 700 });
      await narrow.goto(h.slack.url);
      await narrow.locator(`[data-nav="${CHANNEL}"]`).click();
      await narrow.locator('#channel-title', { hasText: '# ops' }).waitFor();
      const conversation = await narrow.locator('#messages').boundingBox();
      expect(conversation!.width).toBeGreaterThanOrEqual(500);
      await expectAckColumnVisible(narrow);
    } finally {
      await narrow.close();
    }
  });
});

/** Every row's Ack cell lies inside the log panel, and the log does not scroll sideways. */
async function expectAckColumnVisible(tab: Page): Promise<void> {
  const scroller = tab.locator('#log-panel .log-scroll');
  const panel = (await scroller.boundingBox())!;
  const overflow = await scroller.evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const cells = await tab
    .locator('#request-log .req-ack')
    .evaluateAll((tds) => tds.map((td) => ({ right: td.getBoundingClientRect().right, text: td.textContent })));
  expect(cells.length).toBeGreaterThan(3);
  for (const cell of cells) {
    expect(cell.right).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
    expect(cell.text).toMatch(/^\d+ ms$/);
  }
}

/** A modal with the input types the page must read back, as an app would open it. */
const DEPLOY_MODAL = {
  type: 'modal',
  callback_id: 'deploy',
  title: { type: 'plain_text', text: 'Deploy' },
  submit: { type: 'plain_text', text: 'Deploy' },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks: [
    {
      type: 'input',
      block_id: 'env',
      label: { type: 'plain_text', text: 'Environment' },
      element: {
        type: 'static_select',
        action_id: 'env_select',
        options: [
          { text: { type: 'plain_text', text: 'Staging' }, value: 'staging' },
          { text: { type: 'plain_text', text: 'Production' }, value: 'prod' },
        ],
      },
    },
    {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Reason' },
      element: { type: 'plain_text_input', action_id: 'reason_input', multiline: true },
    },
    {
      type: 'input',
      block_id: 'checks',
      optional: true,
      label: { type: 'plain_text', text: 'Checks' },
      element: {
        type: 'checkboxes',
        action_id: 'checks_input',
        options: [{ text: { type: 'plain_text', text: 'Run smoke tests' }, value: 'smoke' }],
      },
    },
  ],
};

describe.runIf(BROWSER_TESTS)('modals and confirm dialogs on the page', () => {
  let w: WorkspaceFixture;
  let tab: Page;

  beforeAll(async () => {
    w = await startWorkspace('browser-secret', 'xoxb-browser', Date.now);
    let submissions = 0;
    // A stand-in app: /deploy opens the modal; the first submission is refused with a validation error.
    w.bot.reply(async (req) => {
      if (req.parsed.command === '/deploy') {
        await w.client.views.open({ trigger_id: String(req.parsed.trigger_id), view: DEPLOY_MODAL as never });
        return { status: 200 };
      }
      if (req.parsed.type === 'view_submission' && ++submissions === 1) {
        return { body: { response_action: 'errors', errors: { reason: 'Say why you deploy.' } } };
      }
      return { status: 200 };
    });
    await w.client.chat.postMessage({
      channel: 'C1',
      text: 'Restart?',
      blocks: [
        {
          type: 'actions',
          block_id: 'restart',
          elements: [
            {
              type: 'button',
              action_id: 'restart_api',
              style: 'danger',
              text: { type: 'plain_text', text: 'Restart api' },
              value: 'api',
              confirm: {
                title: { type: 'plain_text', text: 'Restart api?' },
                text: { type: 'mrkdwn', text: 'This drops *live* connections.' },
                confirm: { type: 'plain_text', text: 'Restart' },
                deny: { type: 'plain_text', text: 'Keep it' },
                style: 'danger',
              },
            },
          ],
        },
      ],
    });
    tab = await browser.context.newPage();
    tab.setDefaultTimeout(WAIT_MS);
    await tab.goto(w.server.url);
    await tab.locator('#user-switcher option[value="U1"]').waitFor({ state: 'attached' });
    await tab.selectOption('#user-switcher', 'U1');
    await tab.locator('[data-nav="C1"]').click();
    await tab.locator('#channel-title', { hasText: '# ops' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await tab?.close();
    await w?.close();
  });

  const kinds = () => w.bot.requests.map((r) => r.parsed.type ?? r.parsed.command);

  it('asks before sending a click with a confirm object, and sends nothing on deny', async () => {
    const button = tab.locator('button[data-action-id="restart_api"]');
    await expect(button.getAttribute('class')).resolves.toContain('bk-danger');
    await button.click();
    await tab.locator('.confirm', { hasText: 'Restart api?' }).waitFor();
    await expect(tab.locator('.confirm strong').textContent()).resolves.toBe('live');
    await tab.locator('[data-confirm-answer="deny"]', { hasText: 'Keep it' }).click();
    await tab.locator('#confirm-root').waitFor({ state: 'hidden' });
    expect(kinds()).not.toContain('block_actions');

    await button.click();
    await tab.locator('[data-confirm-answer="confirm"]', { hasText: 'Restart' }).click();
    await tab.locator('#request-log tr[data-kind="block_actions"]').waitFor();
    const click = w.bot.requests.find((r) => r.parsed.type === 'block_actions');
    expect(click?.verified).toBe(true);
    expect(click?.parsed.actions).toMatchObject([{ action_id: 'restart_api', block_id: 'restart', value: 'api' }]);
  });

  it('opens a modal, shows validation errors under the input, and submits Slack-shaped state', async () => {
    await tab.locator('#composer-input').fill('/deploy');
    await tab.locator('#composer-input').press('Enter');
    const modal = tab.locator('#modal-root .modal');
    await modal.locator('.modal-title', { hasText: 'Deploy' }).waitFor();

    await modal.locator('select[data-input="static_select"]').selectOption('prod');
    await modal.locator('button[data-modal="submit"]').click();
    await modal.locator('.bk-input[data-block-id="reason"] .bk-error', { hasText: 'Say why you deploy.' }).waitFor();
    // The re-rendered modal keeps what was chosen before the errors came back.
    await expect(modal.locator('select[data-input="static_select"]').inputValue()).resolves.toBe('prod');

    await modal.locator('textarea[data-input="plain_text_input"]').fill('Hotfix for #42');
    await modal.locator('.bk-choice input[value="smoke"]').check();
    await modal.locator('button[data-modal="submit"]').click();
    await tab.locator('#modal-root').waitFor({ state: 'hidden' });

    const submissions = w.bot.requests.filter((r) => r.parsed.type === 'view_submission');
    expect(submissions).toHaveLength(2);
    const view = submissions[1]!.parsed.view as { callback_id: string; state: { values: unknown } };
    expect(view.callback_id).toBe('deploy');
    expect(view.state.values).toEqual({
      env: {
        env_select: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Production' }, value: 'prod' },
        },
      },
      reason: { reason_input: { type: 'plain_text_input', value: 'Hotfix for #42' } },
      checks: {
        checks_input: {
          type: 'checkboxes',
          selected_options: [{ text: { type: 'plain_text', text: 'Run smoke tests' }, value: 'smoke' }],
        },
      },
    });
    expect(w.server.state.modalStack('U1')).toHaveLength(0);
  });
});
