import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type DemoAlerts, startDemoAlerts } from '../../src/workspace/local/demo-alerts.js';
import { freePort, startAlertsHarness } from '../support/alertmanager.js';
import { BROWSER_TESTS, launchPage, openChannelAs } from '../support/browser.js';
import { CHANNEL, type Harness, USERS } from '../support/harness.js';

/**
 * A person in the local workspace page sees the demo service's alert arrive from the demo sender's Alertmanager
 * webhook, acknowledges and silences it, and watches it resolve in the same message.
 */
const TOKEN = 'browser-alerts-token-0123456789';
const WAIT_MS = 15_000;

let h: Harness;
let demo: DemoAlerts;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;

beforeAll(async () => {
  const port = await freePort();
  h = await startAlertsHarness(TOKEN, port);
  const started = await startDemoAlerts({ port, logger: createLogger({ level: 'silent' }) });
  if (!started) throw new Error(`port ${port} was taken`);
  demo = started;
  demo.connect(h.opsdeck.url, TOKEN);
  browser = await launchPage(WAIT_MS);
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await h?.close();
});

describe.runIf(BROWSER_TESTS)('the demo service alert in the local workspace page', () => {
  it('arrives, is acknowledged and silenced from its buttons, and resolves in place', { timeout: 60_000 }, async () => {
    await openChannelAs(page, h.slack.url, USERS.carol, CHANNEL, 'ops');

    await demo.healthChanged(false);
    const alert = page.locator('#messages article.msg', { hasText: 'ApiDown' }).filter({ hasText: 'FIRING' });
    await alert.waitFor();
    const ts = await alert.getAttribute('data-ts');
    const message = page.locator(`#messages article.msg[data-ts="${ts}"]`);

    await message.getByRole('button', { name: 'Acknowledge' }).click();
    await message.filter({ hasText: 'Acknowledged by' }).waitFor();

    await message.getByRole('button', { name: 'Silence 1h' }).click();
    await message.filter({ hasText: 'Silenced by' }).waitFor();
    await message.getByRole('button', { name: 'Unsilence' }).waitFor();

    await demo.healthChanged(true);
    await message.filter({ hasText: 'RESOLVED' }).waitFor();
    expect(
      await page.locator('#messages article.msg', { hasText: 'ApiDown' }).filter({ hasText: 'RESOLVED' }).count(),
    ).toBe(1);
  });
});
