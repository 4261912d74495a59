import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, launchPage, openChannelAs } from '../support/browser.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

/**
 * Incidents in the local workspace page, in headless Chromium: alice declares from the modal, the incident's channel
 * appears with the card pinned, she posts a status update from the card, resolves it, and reads the postmortem
 * (message and Markdown file) in the channel.
 */
const WAIT_MS = 20_000;

let h: Harness;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;

beforeAll(async () => {
  h = await startHarness({
    opsYml: `
slack:
  incidentsChannel: ${CHANNEL}
roles:
  responder: ["*"]
services:
  api:
    owners: [S0LEADS]
incidents:
  severities:
    sev1: { announce: true }
    sev2: { announce: true }
`,
  });
  browser = await launchPage(WAIT_MS, { viewport: { width: 1440, height: 900 } });
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const messages = (text: string | RegExp) => page.locator('#messages article.msg', { hasText: text });
const modal = () => page.locator('#modal-root form.modal');

async function submitModal(): Promise<void> {
  await modal().locator('[data-modal="submit"]').click();
  await page.locator('#modal-root').waitFor({ state: 'hidden' });
}

describe.runIf(BROWSER_TESTS)('incidents in the local workspace page', () => {
  it('declare from the modal, the channel with its pinned card, a status update, resolve, the postmortem', {
    timeout: 90_000,
  }, async () => {
    await openChannelAs(page, h.slack.url, USERS.alice, CHANNEL, 'ops');
    await page.locator('#composer-input').fill('/ops incident');
    await page.locator('#composer-input').press('Enter');

    await modal().waitFor();
    await modal().locator('[data-block-id="title"] input').fill('Database is down');
    await modal().locator('[data-block-id="severity"] select').selectOption('sev1');
    await modal().locator('[data-block-id="service"] select').selectOption('api');
    await modal().locator('[data-block-id="description"] textarea').fill('Primary refuses connections');
    // The commander picker offers people, never Slackbot or the bot.
    const people = await modal().locator('[data-block-id="commander"] select option:not([disabled])').allTextContents();
    expect(people).toEqual(expect.arrayContaining(['@alice', '@bob']));
    expect(people.filter((name) => /slackbot|opsdeck/i.test(name))).toEqual([]);
    await submitModal();

    // The form confirms where it was asked, as the command does (only alice sees it).
    await messages(/Declared incident #\d+ \(SEV1\)/).waitFor();

    // Announced here, and the new channel appears in alice's sidebar: she is invited.
    const announcement = messages(/SEV1 incident #\d+: Database is down/);
    await announcement.waitFor();
    // Its emoji shortcode is drawn as the emoji (Slack's names, from the emoji data the workspace serves).
    const icon = announcement.locator('.emoji').first();
    expect(await icon.getAttribute('data-code')).toMatch(/^:[a-z_]+:$/);
    expect(await icon.textContent()).toMatch(/^\p{Extended_Pictographic}/u);
    const nav = page.locator('[data-nav]', { hasText: 'database-is-down' });
    await nav.click();
    await page.locator('#channel-title', { hasText: /# inc-\d{8}-database-is-down/ }).waitFor();
    const card = page.locator('#messages article.msg.msg-pinned', { hasText: 'Database is down' });
    await card.waitFor();
    await card.locator('.msg-pinned-note').waitFor();

    await card.getByRole('button', { name: 'Update status' }).click();
    await modal().waitFor();
    await modal().locator('[data-block-id="state"] select').selectOption('identified');
    await modal().locator('[data-block-id="text"] textarea').fill('Disk full on the primary');
    await submitModal();
    await messages('identified: Disk full on the primary').waitFor();
    await card.filter({ hasText: 'identified' }).waitFor();

    await card.getByRole('button', { name: 'Resolve' }).click();
    await modal().waitFor();
    await modal().locator('[data-block-id="summary"] textarea').fill('Freed disk space, failed over');
    await submitModal();

    const postmortem = messages('Time to acknowledge');
    await postmortem.waitFor();
    await expect(postmortem.textContent()).resolves.toMatch(/Postmortem: Database is down[\s\S]*identified: Disk full/);
    await expect(postmortem.textContent()).resolves.toContain('Commander: @alice');
    await page.locator('#messages .msg-file', { hasText: /incident-\d+-postmortem\.md/ }).waitFor();
    await card.filter({ hasText: 'Freed disk space, failed over' }).waitFor();
    expect(await card.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
  });
});
