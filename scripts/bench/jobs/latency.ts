import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { createDemoJob } from "../../../lib/jobs/live/testing";
import { launchChromium, waitForStep, watchDrawnSteps } from "./browser";
import { emitMetricPoint, type EmitContext } from "./emit";
import { summarize } from "./stats";

// Live latency: the job page of a running job is open in Chromium; each point is emitted (written to
// Postgres + published) and timed until the chart says it drew that step. Points go one at a time with a
// short pause, like a provider reporting steps.

export async function benchLatency(opts: { url: string; db: PrismaClient; redis: Redis; prefix: string; points: number; log: (l: string) => void }) {
  const curve = { totalSteps: 50 + opts.points + 50, epochs: 3 };
  const jobId = await createDemoJob(opts.db, { steps: 50, curve, suffix: "bench-latency" });
  const ctx: EmitContext = { db: opts.db, redis: opts.redis, prefix: opts.prefix, curve };
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await watchDrawnSteps(page);
    await page.goto(`${opts.url}/jobs/${jobId}`);
    await waitForStep(page, 50, 30_000);
    await page.waitForSelector('[data-testid="stream-state"][data-state="open"]', { timeout: 10_000 });
    const samples: number[] = [];
    for (let i = 1; i <= opts.points; i++) {
      const step = 50 + i;
      const t0 = Date.now();
      await emitMetricPoint(ctx, jobId, step);
      const { at } = await waitForStep(page, step);
      samples.push(at - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
    const s = summarize(samples);
    opts.log(`live latency, write + publish → drawn, ${s.n} points: p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms   (target p95 ≤ 1000 ms)`);
    return s;
  } finally {
    await browser.close();
  }
}
