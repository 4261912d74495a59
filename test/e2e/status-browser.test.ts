import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type DemoService, startDemoService } from '../../src/workspace/local/demo-service.js';
import { BROWSER_TESTS, launchPage } from '../support/browser.js';
import { CHANNEL, type Harness, servicesYml, startHarness, USERS } from '../support/harness.js';

/**
 * The local workspace page in headless Chromium: `/ops status` of the demo service, which then turns unhealthy: red on
 * the open Home tab, and an alert in its channel.
 */

const WAIT_MS = 15_000;

let h: Harness;
let demo: DemoService;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;

beforeAll(async () => {
  demo = (await startDemoService({ port: 0, host: '127.0.0.1', logger: createLogger({ level: 'silent' }) }))!;
  h = await startHarness({
    opsYml: servicesYml(`
  api:
    channel: ${CHANNEL}
    checks:
      http: { type: http, url: "${demo.url}/healthz", expect: { status: 200 }, timeout: 2s, interval: 1s, failuresBeforeAlert: 1 }
`),
  });
  browser = await launchPage(WAIT_MS);
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await demo?.close();
});

const messages = (text: string) => page.locator('#messages article.msg', { hasText: text });

describe.runIf(BROWSER_TESTS)('status in the local workspace page', () => {
  it('shows the demo service healthy, then red within one interval once it is unhealthy', {
    timeout: 60_000,
  }, async () => {
    await page.goto(h.slack.url);
    await page.locator('#user-switcher option[value="U0CAROL"]').waitFor({ state: 'attached' });
    await page.selectOption('#user-switcher', USERS.carol);
    await page.locator('#user-switcher option[value="U0CAROL"][selected]').waitFor({ state: 'attached' });
    await page.locator(`[data-nav="${CHANNEL}"]`).click();
    await page.locator('#channel-title', { hasText: '# ops' }).waitFor();

    const composer = page.locator('#composer-input');
    await composer.fill('/ops status');
    await composer.press('Enter');
    await messages('api — healthy').waitFor();

    // Home open: it shows the demo service healthy, and turns it red by itself when the scheduled check fails.
    await page.locator('#home-link').click();
    const home = page.locator('#messages .home');
    await home.filter({ hasText: 'api — healthy' }).waitFor();
    demo.setHealthy(false);
    await home.filter({ hasText: 'api — down' }).waitFor();

    // The scheduled check (every second) alerts on its first failure, in the service's channel, as an alert group.
    await page.locator(`[data-nav="${CHANNEL}"]`).click();
    const alert = messages('api/http failing');
    await alert.filter({ hasText: 'FIRING' }).waitFor();
    await alert.getByRole('button', { name: 'Acknowledge' }).waitFor();
  });
});
