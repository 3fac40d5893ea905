import { afterAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { asTransported, unpackPoints } from "../monitor/pack";
import { loadJobView } from "../view";
import { curvePoints } from "./curve";
import { loadJobPage } from "./page-data";

// The job page's fast path must give the browser what loadJobView gives the API (floats at transport precision).

const db = prisma();
const jobIds: string[] = [];

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: jobIds } } });
  await db.$disconnect();
});

describe("loadJobPage", () => {
  it("equals loadJobView once the columns are unpacked", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "running", baseModel: "gpt-4o-mini-2024-07-18" } });
    jobIds.push(job.id);
    const points = curvePoints(1, 250, { totalSteps: 250, epochs: 2 }).map((p, i) => ({
      ...p,
      jobId: job.id,
      learningRate: i % 7 === 0 ? null : 1e-4 * (1 - i / 250),
      // A diverged step: Postgres's JSON writes these as strings, which must come back as numbers.
      gradNorm: i === 3 ? Number.NaN : i === 4 ? Number.POSITIVE_INFINITY : 0.5,
      memoryBytes: BigInt(8_000_000_000 + i),
      // DPO reward margins: every step, and where validation ran.
      rewardMargin: 0.01 * i - 0.3,
      validRewardMargin: i % 10 === 0 ? 0.02 * i : null,
      // The newest points keep Postgres's own now(), with microseconds.
      createdAt: i < 240 ? new Date(Date.UTC(2026, 10, 29, 8, 0, 0) + i * 1234) : undefined,
    }));
    await db.metricPoint.createMany({ data: points });
    await db.jobEvent.create({ data: { jobId: job.id, message: "started", data: { status: "running" } } });
    await db.checkpoint.create({ data: { jobId: job.id, step: 125, metrics: { train_loss: 0.5 } } });

    const expected = await loadJobView(job.id, { db });
    const { view, packedMetrics } = await loadJobPage(job.id, { db });
    // Fractional values travel with 7 significant digits (lib/jobs/monitor/pack.ts); everything else is exact.
    expect({ ...view, metrics: unpackPoints(packedMetrics) }).toEqual({ ...expected, metrics: expected.metrics.map(asTransported) });
    expect(unpackPoints(packedMetrics).length).toBe(250);
  });

  it("handles a job with no points yet", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "queued", baseModel: "gpt-4o-mini-2024-07-18" } });
    jobIds.push(job.id);
    const { view, packedMetrics } = await loadJobPage(job.id, { db });
    expect(unpackPoints(packedMetrics)).toEqual([]);
    expect(view.progress).toBeNull();
  });
});
