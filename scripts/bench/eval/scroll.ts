import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { PrismaClient } from "@prisma/client";
import { createPrismaClient } from "../../../lib/db/client";
import { seedEvalRun } from "../../../lib/eval/testing";
import { testSettings } from "../../lib/test-env";
import { startBenchApp } from "../jobs/app";
import { launchChromium } from "../jobs/browser";
import { summarize } from "../jobs/stats";

// `npx tsx scripts/bench/eval/scroll.ts [--rows 1000] [--px 120] [--port N]`: the side-by-side view of a seeded
// 1,000-row evaluation in real Chromium (production build, scratch database <test db>_bench_eval_ui), scrolled
// top to bottom by a fixed step per animation frame. Prints the frame-time p50/p95 (deltas between
// requestAnimationFrame callbacks: 16.7 ms is a frame at 60 Hz) and how many long tasks (> 50 ms) the main
// thread ran. Prints figures; asserts nothing.

export type ScrollBench = { rows: number; frames: number; frameMs: { p50: number; p95: number; max: number }; longTasks: number; longestTaskMs: number; scrollMs: number; rowsInDom: number };

// In-page code as a string: tsx's keepNames helper (__name) does not exist in the page.
const SCROLL_SCRIPT = `async ({ step }) => {
  const el = document.querySelector('[data-testid="sbs-scroller"]');
  const long = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
  obs.observe({ type: "longtask", buffered: false });
  const deltas = [];
  let maxRows = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    let last = performance.now();
    function frame(now) {
      deltas.push(now - last);
      last = now;
      maxRows = Math.max(maxRows, el.querySelectorAll('[data-testid="sbs-row"]').length);
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return resolve();
      el.scrollTop += step;
      requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
  });
  // Long tasks are reported after they end: give the observer a frame to deliver the last one.
  await new Promise((r) => setTimeout(r, 100));
  obs.disconnect();
  return { deltas: deltas.slice(1), long, maxRows, ms: performance.now() - t0 };
}`;

export async function benchEvalScroll(opts: { url: string; db: PrismaClient; dataDir: string; rows?: number; pxPerFrame?: number; log?: (line: string) => void }): Promise<ScrollBench> {
  const rows = opts.rows ?? 1000;
  const log = opts.log ?? (() => {});
  const { runId } = await seedEvalRun(opts.db, { n: rows, root: opts.dataDir, name: `scroll bench (${rows} rows)` });
  log(`seeded run ${runId} with ${rows} rows`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${opts.url}/evaluations/${runId}`);
    await page.getByText(`${rows.toLocaleString("en-US")} of ${rows.toLocaleString("en-US")} rows shown.`).waitFor({ timeout: 60_000 });
    await page.getByTestId("sbs-scroller").scrollIntoViewIfNeeded();
    const r = (await page.evaluate(`(${SCROLL_SCRIPT})({ step: ${opts.pxPerFrame ?? 120} })`)) as { deltas: number[]; long: number[]; maxRows: number; ms: number };
    const s = summarize(r.deltas);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      rows,
      frames: s.n,
      frameMs: { p50: round(s.p50), p95: round(s.p95), max: round(s.max) },
      longTasks: r.long.length,
      longestTaskMs: round(Math.max(0, ...r.long)),
      scrollMs: Math.round(r.ms),
      rowsInDom: r.maxRows,
    };
  } finally {
    await browser.close();
  }
}

async function main() {
  const { values } = parseArgs({ options: { rows: { type: "string" }, px: { type: "string" }, port: { type: "string" } }, strict: true });
  const rows = Number(values.rows ?? 1000);
  const px = Number(values.px ?? 120);
  const port = Number(values.port ?? Number(process.env.E2E_PORT ?? 3100) + 60);
  if (![rows, px, port].every((n) => Number.isInteger(n) && n > 0)) {
    console.error("usage: npx tsx scripts/bench/eval/scroll.ts [--rows N] [--px N] [--port N]");
    process.exit(2);
  }
  const t = testSettings();
  const u = new URL(t.databaseUrl);
  u.pathname = `${u.pathname}_bench_eval_ui`;
  const databaseUrl = u.toString();
  const dataDir = path.resolve("data/bench-eval-ui");
  const app = await startBenchApp({ port, databaseUrl, redisUrl: t.redisUrl, prefix: `tf-bench-eval-ui-${process.pid}`, dataDir });
  const db = createPrismaClient(databaseUrl);
  try {
    const r = await benchEvalScroll({ url: app.url, db, dataDir, rows, pxPerFrame: px, log: console.log });
    console.log(
      `side-by-side scroll, ${r.rows} rows, ${px} px/frame: ${r.frames} frames in ${r.scrollMs} ms; frame time p50 ${r.frameMs.p50} ms, p95 ${r.frameMs.p95} ms, max ${r.frameMs.max} ms; ` +
        `${r.longTasks} long tasks (longest ${r.longestTaskMs} ms); at most ${r.rowsInDom} rows in the DOM`,
    );
  } finally {
    await db.$disconnect();
    await app.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
