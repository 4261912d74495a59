// `npm run screenshot`: refreshes docs/workspace.png, the README's picture of the local workspace. It runs `npm start`'s
// entry point (building first if src/ changed), drives the page in headless Chromium as a person would — carol runs
// /ops help and /ops ping in #general — and saves the window. CHROMIUM_PATH overrides /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, isBuildFresh } from './build.mjs';

const OUTPUT = 'docs/workspace.png';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_MS = 30_000;

if (!isBuildFresh()) build();

/** Starts the local workspace on free ports; resolves with its URL once it is ready. */
function startLocalWorkspace() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLACK_')));
  const child = spawn(process.execPath, ['dist/workspace/local/main.js'], {
    env: {
      ...env,
      PORT: '0',
      WORKSPACE_PORT: '0',
      DEMO_SERVICE_PORT: '0',
      REDIS_PREFIX: 'opsdeck-screenshot',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise((resolve, reject) => {
    let pending = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line);
        if (typeof entry.workspaceUrl === 'string') resolve(entry.workspaceUrl);
      }
    });
    child.once('exit', (code) => reject(new Error(`the local workspace exited (${code}) before it was ready`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(undefined);
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  return { ready, stop };
}

const workspace = startLocalWorkspace();
const userDataDir = mkdtempSync(join(tmpdir(), 'opsdeck-screenshot-'));
let context;
try {
  const url = await workspace.ready;
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 1440, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT_MS);
  await page.goto(url);
  await page.locator('#user-switcher option[value="U0CAROL"]').waitFor({ state: 'attached' });
  await page.selectOption('#user-switcher', 'U0CAROL');
  await page.locator('#user-switcher option[value="U0CAROL"][selected]').waitFor({ state: 'attached' });
  await page.locator('[data-nav="C0GENERAL"]').click();
  await page.locator('#channel-title', { hasText: '# general' }).waitFor();
  const send = async (line) => {
    await page.locator('#composer-input').fill(line);
    await page.locator('#composer-input').press('Enter');
  };
  await send('/ops help');
  await page.locator('#messages article.msg', { hasText: 'Opsdeck commands' }).waitFor();
  await send('/ops ping');
  await page.locator('#messages article.msg', { hasText: 'Pong from worker' }).waitFor();
  await page.screenshot({ path: OUTPUT });
  process.stdout.write(`wrote ${OUTPUT}\n`);
} finally {
  await context?.close();
  await workspace.stop();
  rmSync(userDataDir, { recursive: true, force: true });
}
