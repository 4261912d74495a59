import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type DemoService, startDemoService } from '../../src/workspace/local/demo-service.js';
import { BROWSER_TESTS, launchPage } from '../support/browser.js';
import { FLAGS_ENV, FLAGS_OPS_YML, STAGING_TOKEN } from '../support/flags.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

/**
 * Flags from the local workspace page in a real (headless) Chromium: alice creates the demo service's flag and turns it
 * on from its card; the demo service, which reads it through the OpenFeature server SDK over OFREP, serves the new
 * checkout.
 */
const WAIT_MS = 20_000;
let h: Harness;
let demo: DemoService;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;

beforeAll(async () => {
  h = await startHarness({ opsYml: FLAGS_OPS_YML, env: FLAGS_ENV });
  demo = (await startDemoService({ port: 0, logger: createLogger({ level: 'silent' }) }))!;
  await demo.connectFlags(h.opsdeck.url, STAGING_TOKEN);
  browser = await launchPage(WAIT_MS, { viewport: { width: 1440, height: 900 } });
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await h?.close();
});

describe.runIf(BROWSER_TESTS)('flags in the local workspace page', () => {
  it('alice turns the demo flag on from its card, and the demo service serves the new checkout', {
    timeout: 120_000,
  }, async () => {
    await page.goto(demo.url);
    await page.locator('#checkout', { hasText: 'the old checkout' }).waitFor();

    await page.goto(h.slack.url);
    await page.locator(`#user-switcher option[value="${USERS.alice}"]`).waitFor({ state: 'attached' });
    await page.selectOption('#user-switcher', USERS.alice);
    await page.locator(`[data-nav="${CHANNEL}"]`).click();
    await page.locator('#channel-title', { hasText: '# ops' }).waitFor();
    await page.locator('#composer-input').fill('/ops flag create new-checkout The new checkout flow');
    await page.locator('#composer-input').press('Enter');
    const card = page.locator('#messages article.msg', { hasText: 'Flag new-checkout' }).last();
    await card.getByRole('button', { name: 'Turn on' }).first().click();
    await page.locator('#messages article.msg', { hasText: 'staging: on · 100%' }).last().waitFor();

    await vi.waitFor(
      async () => {
        await page.goto(demo.url);
        expect(await page.locator('#checkout').textContent()).toBe('You get the new checkout');
      },
      { timeout: WAIT_MS, interval: 100 },
    );
    expect(await page.locator('#flag').textContent()).toBe('flag new-checkout: variant on (STATIC)');
  });
});
