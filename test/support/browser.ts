import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests run: always under CI, where a missing Chromium fails them saying what is missing (they never
 * skip there); elsewhere when Chromium is installed, so a laptop without it still runs the rest.
 */
export function browserTestsRun(env: Record<string, string | undefined>, chromiumExists: boolean): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return ci || chromiumExists;
}

export const BROWSER_TESTS = browserTestsRun(process.env, existsSync(CHROMIUM));

/** What a browser test says when it cannot start Chromium. */
export function missingChromium(path: string): string {
  return `Chromium is missing at ${path}: install it (apt-get install chromium) or point CHROMIUM_PATH at one; browser tests never skip under CI`;
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium with a profile of its own, and its page with `waitMs` as the default timeout. */
export async function launchPage(
  waitMs: number,
  options: { viewport?: { width: number; height: number }; timezoneId?: string } = {},
): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(missingChromium(CHROMIUM));
  const userDataDir = mkdtempSync(join(tmpdir(), 'opsdeck-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(waitMs);
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the workspace page as `userId` and switches to `channelId` (whose name is `channelName`). */
export async function openChannelAs(page: Page, url: string, userId: string, channelId: string, channelName: string) {
  await page.goto(url);
  await page.locator(`#user-switcher option[value="${userId}"]`).waitFor({ state: 'attached' });
  await page.selectOption('#user-switcher', userId);
  // The page re-renders the switcher from the user's snapshot once it has loaded it.
  await page.locator(`#user-switcher option[value="${userId}"][selected]`).waitFor({ state: 'attached' });
  await page.locator(`[data-nav="${channelId}"]`).click();
  await page.locator('#channel-title', { hasText: `# ${channelName}` }).waitFor();
}
