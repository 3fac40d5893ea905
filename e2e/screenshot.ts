import type { Page } from "@playwright/test";

/**
 * The whole page, as a window tall enough to hold it shows it. A full-page capture keeps the window's height, so
 * an element stuck to the bottom of the window (the playground's composer) is drawn over the middle of the page.
 */
export async function screenshotWholePage(page: Page, path: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1366, height: 768 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, height) });
  await page.screenshot({ path });
  await page.setViewportSize(size);
}
