import { chromium, type Browser, type Page } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "../../../lib/health/chromium";

// The system Chromium with the flags these machines need (the same as playwright.config.ts).
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

// The in-page code is plain strings: tsx compiles functions with esbuild's keepNames, and the `__name`
// helper it inserts does not exist in the page.

/**
 * Records, in the page, when the loss chart first showed each step: window.__stepSeen[step] = [Date.now(),
 * performance.now()], from the data-last-step attribute the chart sets after drawing. Installed before any
 * page script runs, so it sees the very first draw too.
 */
const WATCH_SCRIPT = `
  window.__stepSeen = {};
  new MutationObserver(function (mutations) {
    for (var i = 0; i < mutations.length; i++) {
      var el = mutations[i].target;
      if (!el.getAttribute || el.getAttribute("data-testid") !== "chart-loss") continue;
      var step = el.getAttribute("data-last-step");
      if (step && !(step in window.__stepSeen)) window.__stepSeen[step] = [Date.now(), performance.now()];
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-last-step"] });
`;

export async function watchDrawnSteps(page: Page): Promise<void> {
  await page.addInitScript({ content: WATCH_SCRIPT });
}

/** Waits until the chart has drawn `step`; returns the wall-clock time and the page's performance.now(). */
export async function waitForStep(page: Page, step: number, timeoutMs = 10_000): Promise<{ at: number; perf: number }> {
  const handle = await page.waitForFunction(`window.__stepSeen && window.__stepSeen[${JSON.stringify(String(step))}]`, undefined, { timeout: timeoutMs, polling: 5 });
  const [at, perf] = (await handle.jsonValue()) as [number, number];
  return { at, perf };
}
