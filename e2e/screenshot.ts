import type { Page } from "@playwright/test";

/**
 * The whole page, as it reads from top to bottom. Chromium's full-page capture draws a sticky element where the
 * current scroll puts it, so the sidebar, the top bar, the launch form's estimate and the playground's composer
 * landed in the middle of long pages. For the capture, every sticky element is positioned `relative` with no offset
 * (where the page's flow puts it: sticky and relative take the same space, and both contain absolutely positioned
 * children), then its inline style is put back, so nothing the test does next sees a different page. The window's
 * size is not touched.
 */
export async function screenshotPage(page: Page, path: string): Promise<void> {
  await page.evaluate(() => {
    for (const el of document.querySelectorAll<HTMLElement>("body *")) {
      if (getComputedStyle(el).position !== "sticky") continue;
      el.dataset.e2eStickyStyle = el.style.cssText;
      el.style.position = "relative";
      el.style.inset = "auto";
    }
  });
  try {
    await page.screenshot({ path, fullPage: true });
  } finally {
    await page.evaluate(() => {
      for (const el of document.querySelectorAll<HTMLElement>("[data-e2e-sticky-style]")) {
        el.style.cssText = el.dataset.e2eStickyStyle ?? "";
        delete el.dataset.e2eStickyStyle;
      }
    });
  }
}
