import type { PrismaClient } from "@prisma/client";
import type { Browser } from "@playwright/test";
import { createDemoJob } from "../../../lib/jobs/live/testing";
import { launchChromium, waitForStep, watchDrawnSteps } from "./browser";
import { summarize } from "./stats";

// A job with many metric points (10,000 by default): time from navigation start to the loss chart having
// drawn the newest step, in a fresh page each run; the first run (cold server paths) is reported apart.
// The same page for a 10-point job is measured alongside: the difference is what the points cost, the rest
// is the page itself on this machine (JavaScript, hydration, other processes' load).

type Phases = { responseEnd: number; domInteractive: number };

async function timeFirstDraw(browser: Browser, url: string, lastStep: number, runs: number) {
  const samples: number[] = [];
  const phases: Phases[] = [];
  let cold = NaN;
  for (let r = 0; r <= runs; r++) {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await watchDrawnSteps(page);
    await page.goto(url, { waitUntil: "commit" });
    // performance.now() in the page counts from navigation start.
    const { perf } = await waitForStep(page, lastStep, 30_000);
    if (r === 0) cold = perf;
    else {
      samples.push(Math.round(perf));
      // Where the time goes: the HTML fully received, the document parsed (then hydration and drawing).
      phases.push(JSON.parse((await page.evaluate(`JSON.stringify(performance.getEntriesByType("navigation")[0])`)) as string) as Phases);
    }
    await page.close();
  }
  const median = (k: keyof Phases) => Math.round(summarize(phases.map((p) => p[k])).p50);
  return { cold, ...summarize(samples), htmlReceived: median("responseEnd"), parsed: median("domInteractive") };
}

export async function benchFirstDraw(opts: { url: string; db: PrismaClient; points: number; runs: number; log: (l: string) => void }) {
  const bigJob = await createDemoJob(opts.db, { status: "succeeded", steps: opts.points, curve: { totalSteps: opts.points, epochs: 4, validEvery: 10 }, suffix: "bench-big" });
  const smallJob = await createDemoJob(opts.db, { status: "succeeded", steps: 10, curve: { totalSteps: 10, epochs: 1, validEvery: 5 }, suffix: "bench-small" });
  const browser = await launchChromium();
  try {
    const small = await timeFirstDraw(browser, `${opts.url}/jobs/${smallJob}`, 10, opts.runs);
    const big = await timeFirstDraw(browser, `${opts.url}/jobs/${bigJob}`, opts.points, opts.runs);
    for (const [name, s] of [["10 points", small], [`${opts.points.toLocaleString("en-US")} points`, big]] as const) {
      opts.log(
        `job page with ${name}, navigation → chart drawn: first ${Math.round(s.cold)} ms, then over ${s.n} runs p50 ${s.p50} ms, max ${s.max} ms` +
          `  (p50 phases: HTML received ${s.htmlReceived} ms, parsed ${s.parsed} ms)`,
      );
    }
    opts.log(`  target ≤ 1000 ms for ${opts.points.toLocaleString("en-US")} points`);
    return { big, small };
  } finally {
    await browser.close();
  }
}
