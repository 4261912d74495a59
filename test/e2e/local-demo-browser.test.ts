import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, openChannelAs } from '../support/browser.js';
import { type LocalDemo, pageMessage, startLocalDemoPage } from '../support/local-demo.js';

/**
 * The demo runbook of the local workspace (issue #19 item 7) in a real (headless) Chromium, on ops.example.yml as
 * `npm start` runs it: the demo API is broken, dana (deployer and approver) runs restart-api in #api, her own Approve
 * is refused for being the requester, bob approves, and the page shows each step of the progress message go from
 * waiting to done — the restart script and the settle wait visibly running — until the API is healthy again.
 */
const WAIT_MS = 30_000;
const API = 'C0API';
const DANA = 'U0DANA';
const BOB = 'U0BOB';
const STEPS = ['approval', 'announce', 'restart', 'settle', 'verify'] as const;
const STATES = ['waiting for approval', 'waiting', 'running', 'done', 'failed', 'skipped'];

let session: Awaited<ReturnType<typeof startLocalDemoPage>> | undefined;
let demo: LocalDemo;
let page: Page;

beforeAll(async () => {
  session = await startLocalDemoPage(WAIT_MS);
  ({ demo, page } = session);
}, 60_000);

afterAll(() => session?.close());

const progress = () => page.locator('#messages article.msg', { hasText: /Runbook restart-api on api #\d+/ });

/**
 * Records every text the progress message shows on the page, as it is drawn: the page edits it in place on each
 * `message_changed`, so a state the page showed for a moment is in the record even when the test looked away.
 */
async function recordProgress(): Promise<void> {
  // A string: the test's TypeScript has no DOM types; this runs in the page.
  await page.evaluate(`(() => {
    const seen = [];
    window.progressSeen = seen;
    const look = () => {
      const el = [...document.querySelectorAll('#messages article.msg')].find((m) =>
        /Runbook restart-api on api #\\d+/.test(m.innerText),
      );
      const text = el?.innerText;
      if (text && text !== seen.at(-1)) seen.push(text);
    };
    new MutationObserver(look).observe(document.getElementById('messages'), {
      childList: true,
      subtree: true,
      characterData: true,
    });
  })()`);
}

/** Each step's states in the order the page showed them (repeats folded). */
async function statesSeen(): Promise<Record<string, string[]>> {
  const texts = (await page.evaluate('window.progressSeen')) as string[];
  const seen: Record<string, string[]> = Object.fromEntries(STEPS.map((step) => [step, []]));
  for (const text of texts) {
    for (const step of STEPS) {
      const line = text.split('\n').find((l) => new RegExp(`(^|\\s)${step} (${STATES.join('|')})\\b`).test(l));
      const state = line && STATES.find((s) => line.includes(`${step} ${s}`));
      const list = seen[step]!;
      if (state && list.at(-1) !== state) list.push(state);
    }
  }
  return seen;
}

async function actAs(userId: string): Promise<void> {
  await page.selectOption('#user-switcher', userId);
  await page.locator(`#user-switcher option[value="${userId}"][selected]`).waitFor({ state: 'attached' });
  await page.locator(`[data-nav="${API}"]`).click();
  await page.locator('#channel-title', { hasText: '# api' }).waitFor();
}

describe.runIf(BROWSER_TESTS)('the demo runbook in the local workspace page', () => {
  it('dana runs restart-api, her own approval is refused, bob approves, and every step goes from waiting to done', {
    timeout: 120_000,
  }, async () => {
    await fetch(`${demo.demoServiceUrl}/unhealthy`, { method: 'POST' });
    expect((await fetch(`${demo.demoServiceUrl}/healthz`)).status).toBe(503);

    await openChannelAs(page, demo.workspaceUrl, DANA, API, 'api');
    await recordProgress();
    await page.locator('#composer-input').fill('/ops run restart-api');
    await page.locator('#composer-input').press('Enter');
    await progress().filter({ hasText: 'waiting for approval' }).getByRole('button', { name: 'Approve' }).waitFor();

    // Four-eyes: dana holds the approver role, and is still refused, for being the requester.
    await progress().getByRole('button', { name: 'Approve' }).click();
    await page.locator('#messages article.msg', { hasText: 'You cannot approve your own request' }).waitFor();
    await progress().filter({ hasText: 'tried to approve their own request (refused)' }).waitFor();

    await actAs(BOB);
    await progress().getByRole('button', { name: 'Approve' }).click();
    await progress()
      .filter({ hasText: /: succeeded/ })
      .waitFor();

    const seen = await statesSeen();
    expect(seen.approval).toContain('waiting for approval');
    for (const step of STEPS) {
      expect(seen[step]!.at(-1), `${step}: ${seen[step]!.join(' → ')}`).toBe('done');
      if (step !== 'approval') expect(seen[step]![0], `${step}: ${seen[step]!.join(' → ')}`).toBe('waiting');
    }
    // The two steps that take seconds were on the page while they ran.
    expect(seen.restart).toEqual(['waiting', 'running', 'done']);
    expect(seen.settle).toEqual(['waiting', 'running', 'done']);
    await progress()
      .filter({ hasText: /approval done.*approved by/ })
      .waitFor();

    // The restart script's output is in the progress message's thread, and the demo API is healthy again.
    const output = await pageMessage(demo, BOB, API, /^Output of restart$/);
    expect(JSON.stringify(output.blocks)).toContain('Restarted api');
    expect((await fetch(`${demo.demoServiceUrl}/healthz`)).status).toBe(200);
  });

  it('the Demo panel breaks, heals and slows the API, sends a Grafana and a generic alert, and runs the experiment, each a click', {
    timeout: 120_000,
  }, async () => {
    await openChannelAs(page, demo.workspaceUrl, DANA, API, 'api');
    const panel = page.locator('#demo-panel');
    const click = (label: string) => panel.getByRole('button', { name: label }).click();
    const status = (text: string | RegExp) => page.locator('#composer-status', { hasText: text }).waitFor();
    const health = async () => (await fetch(`${demo.demoServiceUrl}/healthz`)).status;
    const state = async () => (await (await fetch(`${demo.demoServiceUrl}/state`)).json()) as { slow: boolean };

    await click('Break the demo API');
    await status('answers 503');
    expect(await health()).toBe(503);
    // The demo Alertmanager sends ApiDown through Opsdeck's Alertmanager route: critical, so #alerts.
    await pageMessage(demo, DANA, 'C0ALERTS', /ApiDown/);
    await click('Heal the demo API');
    await status('healthy and fast again');
    expect(await health()).toBe(200);
    await click('Slow the demo API down');
    await status('1.2 s per answer');
    expect(await state()).toMatchObject({ slow: true });
    await click('Heal the demo API');
    await status('healthy and fast again');
    expect(await state()).toMatchObject({ slow: false });

    // The generic alert names the runbook that fixes it: its message has a Run button.
    await click('Send a generic alert');
    await status('/webhooks/generic');
    const generic = page.locator('#messages article.msg', { hasText: 'Checkout errors above 2%' });
    await generic.getByRole('button', { name: 'Run restart-api' }).waitFor();
    // Grafana's, for the same service, may join that message's thread rather than post its own: looked for in both.
    await click('Send a Grafana alert');
    await status('/webhooks/grafana');
    await pageMessage(demo, DANA, API, /ApiLatencyHigh/);
    await click('Send a generic alert');
    await status('resolved');
    await click('Send a Grafana alert');
    await status('resolved');

    await click('Run the slow-api experiment');
    await page.locator('#messages article.msg', { hasText: /Experiment slow-api on api #\d+: failed/ }).waitFor({
      timeout: 60_000,
    });
    await page.locator('#messages article.msg', { hasText: 'did not hold after the method (deviated)' }).waitFor();
    expect(await state()).toMatchObject({ slow: false });
  });
});
