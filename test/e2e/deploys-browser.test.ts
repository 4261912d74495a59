import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, launchPage } from '../support/browser.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';

/**
 * Deploys from the local workspace page in a real (headless) Chromium: alice deploys the demo service with the demo
 * deploy script to staging and to production, bob approves from the page, the script's output is in the message's
 * thread, and a Rollback click (approved by bob) restores the previous version.
 */
const WAIT_MS = 20_000;
/** scripts/demo-deploy.sh records each deploy here, relative to its working directory (the repository). */
const DEMO_LOG = '.opsdeck/demo/deploys.log';

let h: Harness;
let browser: Awaited<ReturnType<typeof launchPage>>;
let page: Page;
let logBefore = 0;
const demoLog = () => (existsSync(DEMO_LOG) ? readFileSync(DEMO_LOG, 'utf8').trim().split('\n').slice(logBefore) : []);

beforeAll(async () => {
  logBefore = demoLog().length;
  h = await startHarness({
    opsYml: `${TEST_OPS_YML}
services:
  demo:
    deploy:
      provider: command
      command: ["./scripts/demo-deploy.sh", "{service}", "{version}", "{environment}"]
      environments:
        staging: {}
        production: { approval: { from: approver } }
`,
  });
  browser = await launchPage(WAIT_MS, { viewport: { width: 1440, height: 900 } });
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The top-level deploy message about `what` (`deploy of demo 1.1.0 to production`), once it says `status`. */
const deployMessage = (what: string, status: string) =>
  page.locator('#messages article.msg', { hasText: new RegExp(`${what}: ${status}`, 'i') });

async function actAs(userId: string): Promise<void> {
  await page.selectOption('#user-switcher', userId);
  await page.locator(`#user-switcher option[value="${userId}"][selected]`).waitFor({ state: 'attached' });
  await page.locator(`[data-nav="${CHANNEL}"]`).click();
  await page.locator('#channel-title', { hasText: '# ops' }).waitFor();
}

async function send(line: string): Promise<void> {
  await page.locator('#composer-input').fill(line);
  await page.locator('#composer-input').press('Enter');
}

async function approve(what: string): Promise<void> {
  await actAs(USERS.bob);
  await deployMessage(what, 'awaiting-approval').getByRole('button', { name: 'Approve' }).click();
  await deployMessage(what, 'succeeded').waitFor();
  await actAs(USERS.alice);
}

describe.runIf(BROWSER_TESTS)('deploys in the local workspace page', () => {
  it('alice deploys, bob approves, the output is in the thread, Rollback restores the previous version', {
    timeout: 120_000,
  }, async () => {
    await page.goto(h.slack.url);
    await page.locator(`#user-switcher option[value="${USERS.alice}"]`).waitFor({ state: 'attached' });
    await actAs(USERS.alice);

    await send('/ops deploy demo 1.0.0');
    await deployMessage('deploy of demo 1.0.0 to staging', 'succeeded').waitFor();
    await send('/ops deploy demo 1.1.0 to production');
    await approve('deploy of demo 1.1.0 to production');
    await send('/ops deploy demo 1.2.0 to production');
    await approve('deploy of demo 1.2.0 to production');

    // The demo script's output, in the deploy message's thread.
    const top = (h.slack.state.messages.get(CHANNEL) ?? []).find((m) =>
      m.text.includes('deploy of demo 1.2.0 to production: succeeded'),
    )!;
    expect(JSON.stringify(h.slack.state.replies(CHANNEL, top.ts).map((m) => m.blocks))).toContain(
      'Deployed demo 1.2.0 to production',
    );

    await deployMessage('deploy of demo 1.2.0 to production', 'succeeded')
      .getByRole('button', { name: 'Rollback' })
      .click();
    await approve('rollback of demo to 1.1.0 in production');
    const demoDeploys = demoLog().filter((line) => line.includes(' service=demo '));
    expect(demoDeploys.map((line) => line.replace(/^\S+ /, ''))).toEqual([
      'deploy service=demo version=1.0.0 environment=staging',
      'deploy service=demo version=1.1.0 environment=production',
      'deploy service=demo version=1.2.0 environment=production',
      'deploy service=demo version=1.1.0 environment=production',
    ]);
  });
});
