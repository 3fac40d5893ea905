import { chromium, type Browser, type Page } from "@playwright/test";

// The system Chromium with the flags these machines need (the same as playwright.config.ts).
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Records, in the page, the wall-clock time at which the loss chart first showed each step
 * (window.__stepSeen[step] = Date.now()), from the data-last-step attribute the chart sets after drawing.
 * Installed before any page script runs, so it sees the very first draw as well.
 */
export async function watchDrawnSteps(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: Record<string, number> = {};
    const perf: Record<string, number> = {};
    (window as unknown as { __stepSeen: typeof seen; __stepPerf: typeof perf }).__stepSeen = seen;
    (window as unknown as { __stepPerf: typeof perf }).__stepPerf = perf;
    const record = (el: Element) => {
      const step = el.getAttribute("data-last-step");
      if (step && el.getAttribute("data-testid") === "chart-loss" && !(step in seen)) {
        seen[step] = Date.now();
        perf[step] = performance.now();
      }
    };
    new MutationObserver((mutations) => {
      for (const m of mutations) if (m.target instanceof Element) record(m.target);
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-last-step"] });
  });
}

export async function waitForStep(page: Page, step: number, timeoutMs = 10_000): Promise<{ at: number; perf: number }> {
  const handle = await page.waitForFunction(
    (s) => {
      const w = window as unknown as { __stepSeen?: Record<string, number>; __stepPerf?: Record<string, number> };
      return w.__stepSeen?.[String(s)] !== undefined ? { at: w.__stepSeen[String(s)]!, perf: w.__stepPerf![String(s)]! } : null;
    },
    step,
    { timeout: timeoutMs, polling: 5 },
  );
  return (await handle.jsonValue()) as { at: number; perf: number };
}
