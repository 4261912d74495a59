import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, openChannelAs } from '../support/browser.js';
import { type LocalDemo, startLocalDemoPage } from '../support/local-demo.js';

/**
 * The README's "Ten-minute tour", as a newcomer follows it in the local workspace page (issue #20): status, an alert,
 * an incident — with `npm start` restarted in the middle of it —, a deploy with four-eyes approval and a rollback, a
 * flag rollout, and the demo runbook and experiment. Every step is a line typed in the composer or a click on the
 * page, on ops.example.yml as `npm start` runs it.
 */
const WAIT_MS = 45_000;
const GENERAL = 'C0GENERAL';
const ALERTS = 'C0ALERTS';
const API = 'C0API';
const CAROL = 'U0CAROL';
const DANA = 'U0DANA';
const BOB = 'U0BOB';

let session: Awaited<ReturnType<typeof startLocalDemoPage>> | undefined;
let demo: LocalDemo;
let page: Page;

beforeAll(async () => {
  session = await startLocalDemoPage(WAIT_MS);
  ({ demo, page } = session);
}, 60_000);

afterAll(() => session?.close());

const message = (text: string | RegExp) => page.locator('#messages article.msg', { hasText: text });

async function type(line: string): Promise<void> {
  await page.locator('#composer-input').fill(line);
  await page.locator('#composer-input').press('Enter');
}

async function openAs(userId: string, channelId: string, name: string): Promise<void> {
  await page.selectOption('#user-switcher', userId);
  await page.locator(`#user-switcher option[value="${userId}"][selected]`).waitFor({ state: 'attached' });
  await page.locator(`[data-nav="${channelId}"]`).click();
  await page.locator('#channel-title', { hasText: `# ${name}` }).waitFor();
}

async function panel(label: string): Promise<void> {
  await page.locator('#demo-panel').getByRole('button', { name: label }).click();
}

/** A production change waits for approval: dana's own Approve is refused (four-eyes), bob's is taken. */
async function approveAsBob(pending: ReturnType<typeof message>): Promise<void> {
  await openAs(BOB, API, 'api');
  await pending.getByRole('button', { name: 'Approve' }).click();
  await openAs(DANA, API, 'api');
}

describe.runIf(BROWSER_TESTS)("the README's ten-minute tour in the local workspace page", () => {
  it('status, an alert, an incident across a restart, a deploy with approval and rollback, a flag rollout, a runbook and an experiment', {
    timeout: 600_000,
  }, async () => {
    // 1. Status.
    await openChannelAs(page, demo.workspaceUrl, CAROL, GENERAL, 'general');
    await type('/ops status api');
    await message('api — healthy').first().waitFor();

    // 2. An alert: the demo API breaks, the demo Alertmanager's ApiDown reaches #alerts, carol acknowledges it.
    await panel('Break the demo API');
    await openAs(CAROL, ALERTS, 'alerts');
    const apiDown = message('ApiDown').first();
    await apiDown.getByRole('button', { name: 'Acknowledge' }).click();
    await apiDown.filter({ hasText: 'Acknowledged by' }).waitFor();

    // 3. An incident, with npm start restarted in the middle of it.
    await type('/ops incident declare sev2 API is down');
    const nav = page.locator('[data-nav]', { hasText: 'api-is-down' });
    await nav.click();
    const channelId = (await nav.getAttribute('data-nav')) as string;
    const title = await page.locator('#channel-title', { hasText: /# inc-\d{8}-api-is-down/ }).textContent();
    const channelName = (title ?? '').replace(/^#\s*/, '').trim();
    const card = page.locator('#messages article.msg.msg-pinned', { hasText: 'API is down' });
    await card.waitFor();
    await type('/ops incident status identified The demo API was switched off');
    await message('identified: The demo API was switched off').waitFor();

    await demo.restart();
    await page.reload();
    await openChannelAs(page, demo.workspaceUrl, CAROL, channelId, channelName);
    await card.waitFor();
    await message('identified: The demo API was switched off').waitFor();
    await panel('Heal the demo API');
    await type('/ops incident resolve Healed');
    await message('Time to acknowledge').waitFor();

    // 4. A deploy with approval and a rollback, as dana (deployer and approver) with bob approving.
    await openAs(DANA, API, 'api');
    const deploy = (what: string, status: string) => message(new RegExp(`${what}: ${status}`, 'i'));
    await type('/ops deploy api 1.0.0');
    await deploy('deploy of api 1.0.0 to staging', 'succeeded').waitFor();
    await type('/ops deploy api 1.1.0 to production');
    const pending = deploy('deploy of api 1.1.0 to production', 'awaiting-approval');
    await pending.getByRole('button', { name: 'Approve' }).click();
    await message('You cannot approve your own request').first().waitFor();
    await approveAsBob(pending);
    await deploy('deploy of api 1.1.0 to production', 'succeeded').waitFor();
    await type('/ops deploy api 1.2.0 to production');
    await approveAsBob(deploy('deploy of api 1.2.0 to production', 'awaiting-approval'));
    await deploy('deploy of api 1.2.0 to production', 'succeeded').getByRole('button', { name: 'Rollback' }).click();
    await approveAsBob(deploy('rollback of api to 1.1.0 in production', 'awaiting-approval'));
    await deploy('rollback of api to 1.1.0 in production', 'succeeded').waitFor();

    // 5. A flag and its guarded progressive rollout.
    await type('/ops flag create new-checkout boolean Route visitors to the new checkout');
    await message('Flag new-checkout').first().waitFor();
    await type('/ops flag rollout new-checkout 10% to 100% over 2m guard api');
    await message(/Progressive rollout of new-checkout in staging started/).waitFor();

    // 6. The runbook (with its approval) and the experiment, from the Demo panel.
    await panel('Break the demo API');
    await panel('Run the restart-api runbook');
    // The progress message (not the ephemeral answer that names the run too): the one with the Approve button.
    const run = message(/Runbook restart-api on api #\d+/)
      .filter({ hasText: 'waiting for approval' })
      .filter({ has: page.getByRole('button', { name: 'Approve' }) });
    await run.waitFor();
    await approveAsBob(run);
    await message(/Runbook restart-api on api #\d+: succeeded/).waitFor();
    expect((await fetch(`${demo.demoServiceUrl}/healthz`)).status).toBe(200);
    await panel('Run the slow-api experiment');
    await message(/Experiment slow-api on api #\d+: failed/).waitFor();
    await message('did not hold after the method (deviated)').waitFor();
  });
});
