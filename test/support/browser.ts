import type { Page } from 'playwright-core';

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
