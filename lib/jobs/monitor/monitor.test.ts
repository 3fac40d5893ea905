import { describe, expect, it } from "vitest";
import { bestCheckpoint, checkpointLabel, noCheckpointsText } from "./checkpoints";
import { downsampleExtremes } from "./downsample";
import { epochBoundaries, epochMarks } from "./epochs";
import { missingModelText } from "./fine-tuned-model";
import { mergeLiveMessage, mergePoints } from "./merge";
import { curvePoints } from "../live/curve";
import { detectOverfitting, suggestedEpochs } from "./overfitting";
import { formatDuration, progressFigures, stepRate } from "./progress";
import { chartSeries } from "./series";
import { emaSmooth } from "./smoothing";
import { stepAxis } from "./step-axis";
import { point } from "./testing-points";
import { statusTimeline } from "./timeline";
import type { CheckpointView, JobView } from "../types";

describe("emaSmooth (TensorBoard's debiased EMA)", () => {
  it("matches values worked out by hand", () => {
    // w = 0.5: last = 0.5·0 + 0.5·1 = 0.5, debias 1 − 0.5 = 0.5 → 1; then last = 0.25 + 1.5 = 1.75, debias 0.75 → 2.333…
    const out = emaSmooth([1, 3, 3], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(7 / 3, 12);
    // last = 0.875 + 1.5 = 2.375, debias 0.875 → 2.7142857…
    expect(out[2]).toBeCloseTo(2.375 / 0.875, 12);
  });
  it("is the identity at weight 0 and passes gaps through", () => {
    expect(emaSmooth([4, null, 2], 0)).toEqual([4, null, 2]);
    const out = emaSmooth([2, null, 2], 0.9);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo(2, 12); // a constant series stays constant thanks to the debias
  });
});

describe("progressFigures", () => {
  const start = Date.UTC(2026, 10, 29, 8, 0, 0);
  const pts = [0, 10, 20, 30].map((s) => point(s, { totalSteps: 130, at: new Date(start + s * 2000).toISOString() }));
  it("derives the ETA from the step rate, counted from the newest point", () => {
    expect(stepRate(pts)).toBeCloseTo(0.5, 12); // 30 steps in 60 s
    const now = start + 70_000;
    const f = progressFigures({ startedAt: new Date(start).toISOString(), finishedAt: null, estimatedFinishAt: null, terminal: false, points: pts }, now);
    // newest point at +60 s, 100 steps left at 0.5 step/s = 200 s → finish at +260 s; now is +70 s → 190 s
    expect(f.etaMs).toBe(190_000);
    expect(f.etaSource).toBe("step-rate");
    expect(f.percent).toBeCloseTo((30 / 130) * 100, 12);
    expect(f.elapsedMs).toBe(70_000);
  });
  it("prefers the provider's finish estimate and stops the clock at the end", () => {
    const now = start + 70_000;
    const f = progressFigures({ startedAt: new Date(start).toISOString(), finishedAt: null, estimatedFinishAt: new Date(start + 100_000).toISOString(), terminal: false, points: pts }, now);
    expect(f).toMatchObject({ etaMs: 30_000, etaSource: "provider" });
    const done = progressFigures({ startedAt: new Date(start).toISOString(), finishedAt: new Date(start + 90_000).toISOString(), estimatedFinishAt: null, terminal: true, points: pts }, now + 1e6);
    expect(done).toMatchObject({ etaMs: null, elapsedMs: 90_000 });
  });
  it("formats durations", () => {
    expect(formatDuration(37_400)).toBe("37 s");
    expect(formatDuration(252_000)).toBe("4 min 12 s");
    expect(formatDuration(3_900_000)).toBe("1 h 05 min");
  });
});

describe("detectOverfitting", () => {
  // Train loss falls steadily; validation evaluated every 10 steps falls until step 40, then rises.
  const valid = [2.0, 1.6, 1.3, 1.1, 1.0, 1.05, 1.12, 1.2, 1.3, 1.42];
  const overfit = Array.from({ length: 91 }, (_, s) =>
    point(s, { trainLoss: 2 - s * 0.015, validLoss: s % 10 === 0 ? valid[s / 10]! : null, epoch: s / 30 }),
  );
  // Without smoothing or noise margins, to test the counting itself.
  const exact = { smoothing: 0, minRelativeRise: 0, jitterFactor: 0 };
  it("reports where the rise began once validation rose 3 times in a row while training fell", () => {
    const alert = detectOverfitting(overfit, exact);
    expect(alert).toMatchObject({ startStep: 40, detectedStep: 70, validLossAtStart: 1.0, validLossNow: 1.42 });
    expect(alert!.trainLossAtDetection).toBeLessThan(alert!.trainLossAtStart);
    expect(suggestedEpochs(alert!)).toBe(1); // step 40 at 30 steps per epoch = epoch 1.33
  });
  it("needs N rises: two are not enough with N = 3", () => {
    expect(detectOverfitting(overfit.slice(0, 61), exact)).toBeNull();
    // With the default margins the rise must also beat the evaluations' jitter: one more evaluation.
    expect(detectOverfitting(overfit, { smoothing: 0 })).toMatchObject({ startStep: 40, detectedStep: 80 });
  });
  it("stays quiet when training loss rose as well, or when validation recovered", () => {
    const bothRise = overfit.map((p) => ({ ...p, trainLoss: 1 + p.step * 0.01 }));
    expect(detectOverfitting(bothRise, exact)).toBeNull();
    const recovered = [...overfit, point(100, { trainLoss: 0.5, validLoss: 0.5 })];
    expect(detectOverfitting(recovered, exact)).toBeNull();
  });
  it("smoothing keeps small bumps right after a steep fall from raising the alarm", () => {
    // Raw validation rises three times (1.50 → 1.52 → 1.54 → 1.56); the smoothed curve is still falling.
    const bumpy = [2.0, 1.5, 1.52, 1.54, 1.56].map((v, i) => point(i * 10, { trainLoss: 2 - i * 0.1, validLoss: v }));
    expect(detectOverfitting(bumpy, { smoothing: 0 })).toMatchObject({ startStep: 10, detectedStep: 40 });
    expect(detectOverfitting(bumpy, { smoothing: 0.6 })).toBeNull();
  });
});

describe("detectOverfitting on seeded training curves", () => {
  const views = (pts: ReturnType<typeof curvePoints>) => pts.map((p) => point(p.step, { trainLoss: p.trainLoss ?? null, validLoss: p.validLoss ?? null, epoch: p.epoch ?? null }));
  it("stays quiet on noisy plateaus and finds a real turn near where it began", () => {
    for (const total of [300, 3000]) {
      for (let seed = 1; seed <= 10; seed++) {
        expect(detectOverfitting(views(curvePoints(1, total, { totalSteps: total, seed })))).toBeNull();
        const alert = detectOverfitting(views(curvePoints(1, total, { totalSteps: total, seed, overfitFrom: 0.45 })));
        expect(alert).not.toBeNull();
        // The turn is at 45 % of training; smoothing and noise place the start a little around it.
        expect(alert!.startStep / total).toBeGreaterThan(0.35);
        expect(alert!.startStep / total).toBeLessThan(0.7);
      }
    }
  });
});

describe("epochBoundaries", () => {
  it("places markers at whole epochs from the fractional epoch", () => {
    const pts = [point(0, { epoch: 0, totalSteps: 300 }), point(150, { epoch: 1.5, totalSteps: 300 })];
    expect(epochBoundaries(pts, null)).toEqual([100, 200]);
  });
  it("falls back to n_epochs and total steps", () => {
    expect(epochBoundaries([point(10, { totalSteps: 90 })], 3)).toEqual([30, 60]);
    expect(epochBoundaries([point(10)], null)).toEqual([]);
  });
});
describe("epochMarks", () => {
  it("draws and labels every boundary of a short run", () => {
    expect(epochMarks([60, 120], 200)).toEqual([{ step: 60, label: "epoch 1" }, { step: 120, label: "epoch 2" }]);
  });
  it("thins a long run's boundaries to every 2nd, 5th, 10th... epoch, and labels fewer still", () => {
    const boundaries = Array.from({ length: 99 }, (_, i) => 60 * (i + 1));  // 100 epochs of 60 steps
    const early = epochMarks(boundaries, 1000);  // at step 804 the axis runs to 1000: 16 boundaries inside it
    expect(early.map((m) => m.step)).toEqual(boundaries.slice(0, 16));
    // "epoch 16" (step 960, near the end: turned left) would overlap "epoch 14" (step 840, to the right of its line).
    expect(early.filter((m) => m.label).map((m) => m.label)).toEqual(["epoch 2", "epoch 4", "epoch 6", "epoch 8", "epoch 10", "epoch 12", "epoch 14"]);
    // Where the estimate of the axis end (last step × 1.25) fell short: at step 400 the axis ran to 600, and ten
    // boundaries were labelled. With the axis's real end, never more than eight.
    // A label near the axis's end goes left of its line (to the right it was cut off at the chart's edge).
    expect(epochMarks([60, 120, 180], 200)).toEqual([{ step: 60, label: "epoch 1" }, { step: 120, label: "epoch 2" }, { step: 180, label: "epoch 3", labelLeft: true }]);
    // A run stopped early at step 22 of 80 (2 steps an epoch): its axis ends at 25. "epoch 12" (step 24, turned left)
    // would be written over "epoch 10" (step 20, to the right of its line); its line stays, unlabelled.
    const stopped = epochMarks(Array.from({ length: 39 }, (_, i) => 2 * (i + 1)), 25);
    expect(stopped.map((m) => m.step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(stopped.filter((m) => m.label).map((m) => m.label)).toEqual(["epoch 2", "epoch 4", "epoch 6", "epoch 8", "epoch 10"]);
    for (let last = 1; last <= 6000; last += 37) {
      const labels = epochMarks(boundaries, stepAxis(last).end).filter((m) => m.label);
      expect(labels.length, `last step ${last}`).toBeLessThanOrEqual(8);
    }
    const done = epochMarks(boundaries, 6000);
    expect(done.length).toBeLessThanOrEqual(24);
    expect(done[0]).toEqual({ step: 300, label: null });  // every 5th epoch drawn
    expect(done.filter((m) => m.label).length).toBeLessThanOrEqual(8);
    expect(done.filter((m) => m.label).map((m) => m.label)).toEqual(["epoch 25", "epoch 50", "epoch 75"]);
  });
});


describe("bestCheckpoint", () => {
  const ck = (id: string, metrics: Record<string, number>): CheckpointView => ({ id, step: 0, remoteId: null, modelName: null, path: null, metrics, at: "" });
  it("prefers the lowest validation loss, else the lowest training loss", () => {
    expect(bestCheckpoint([ck("a", { train_loss: 0.1, valid_loss: 0.9 }), ck("b", { train_loss: 0.5, valid_loss: 0.7 })])).toMatchObject({ id: "b", by: "validation loss", value: 0.7 });
    expect(bestCheckpoint([ck("a", { train_loss: 0.3 }), ck("b", { train_loss: 0.2 })])).toMatchObject({ id: "b", by: "training loss" });
    expect(bestCheckpoint([])).toBeNull();
  });

  it("names a checkpoint by OpenAI's model, or a local one by its folder with the whole path in the title", () => {
    const base = ck("a", {});
    expect(checkpointLabel({ ...base, modelName: "ft:gpt-4.1-mini:acme::ckpt-step-60", remoteId: "ftckpt_1" })).toEqual({ text: "ft:gpt-4.1-mini:acme::ckpt-step-60" });
    expect(checkpointLabel({ ...base, path: "jobs/cmx45/checkpoints/step-60" })).toEqual({ text: "step-60", title: "jobs/cmx45/checkpoints/step-60" });
    expect(checkpointLabel({ ...base, remoteId: "ftckpt_1" })).toEqual({ text: "ftckpt_1" });
    expect(checkpointLabel(base)).toEqual({ text: "—" });
  });

  it("says when the job's provider saves checkpoints, before the first", () => {
    expect(noCheckpointsText("openai", 0)).toBe("No checkpoints yet. OpenAI saves one per epoch and keeps the last three.");
    expect(noCheckpointsText("local", 200)).toBe("No checkpoints yet. The trainer saves one every 200 steps and at each epoch's end, keeping the newest three.");
    expect(noCheckpointsText("local", 0)).toBe("No checkpoints yet. The trainer saves one at each epoch's end, keeping the newest three.");
  });
});

describe("downsampleExtremes", () => {
  it("keeps the ends and every bucket's extremes", () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => point(i, { trainLoss: i === 5_000 ? 99 : i === 7_000 ? -5 : 1 }));
    const out = downsampleExtremes(pts, 1000, [(p) => p.trainLoss]);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out[0]!.step).toBe(0);
    expect(out.at(-1)!.step).toBe(9_999);
    expect(out.map((p) => p.step)).toEqual(expect.arrayContaining([5_000, 7_000]));
  });
});

describe("merging live messages", () => {
  it("appends new points and ignores repeats", () => {
    const a = [point(1), point(2)];
    const merged = mergePoints(a, [point(2, { trainLoss: 5 }), point(3)]);
    expect(merged.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(merged[1]!.trainLoss).toBe(5);
    expect(mergePoints(merged, [point(4), point(3)]).map((p) => p.step)).toEqual([1, 2, 3, 4]);
  });
  it("keeps series when the job summary changes, and updates progress from points", () => {
    const view = { id: "j", status: "running", progress: null, metrics: [], events: [], checkpoints: [] } as unknown as JobView;
    const withPoints = mergeLiveMessage(view, { type: "metrics", points: [point(7, { totalSteps: 10 })] });
    expect(withPoints.progress).toEqual({ step: 7, totalSteps: 10 });
    const done = mergeLiveMessage(withPoints, { type: "job", job: { ...withPoints, status: "succeeded", progress: { step: 5, totalSteps: 10 } } });
    expect(done.status).toBe("succeeded");
    expect(done.metrics).toHaveLength(1);
    expect(done.progress).toEqual({ step: 7, totalSteps: 10 });
  });
  it("merges new checkpoints by id, and takes a complete set as the whole (pruned ones leave the table)", () => {
    const ck = (id: string, step: number): CheckpointView => ({ id, step, remoteId: null, modelName: null, path: `jobs/j/checkpoints/step-${step}`, metrics: { train_loss: 1 }, at: "" });
    const view = { id: "j", status: "running", progress: null, metrics: [], events: [], checkpoints: [ck("a", 2), ck("b", 4)] } as unknown as JobView;
    const added = mergeLiveMessage(view, { type: "checkpoints", checkpoints: [ck("c", 6), ck("b", 4)] });
    expect(added.checkpoints.map((c) => c.id)).toEqual(["a", "b", "c"]);
    const pruned = mergeLiveMessage(added, { type: "checkpoints", checkpoints: [ck("c", 6), ck("b", 4)], complete: true });
    expect(pruned.checkpoints.map((c) => c.id)).toEqual(["b", "c"]);
    expect(mergeLiveMessage(added, { type: "checkpoints", checkpoints: [], complete: true }).checkpoints).toEqual([]);
  });
  it("never moves a finished job back to a running status (a late cancel answer after the stream's end)", () => {
    const view = { id: "j", status: "cancelled", progress: null, metrics: [], events: [], checkpoints: [] } as unknown as JobView;
    const late = mergeLiveMessage(view, { type: "job", job: { ...view, status: "cancelling" } });
    expect(late.status).toBe("cancelled");
    const view2 = { ...view, status: "cancelling" } as JobView;
    expect(mergeLiveMessage(view2, { type: "job", job: { ...view2, status: "cancelled" } }).status).toBe("cancelled");
  });
});

describe("statusTimeline", () => {
  it("marks the steps before the current one done and times them from events", () => {
    const t = statusTimeline(
      { status: "running", provider: "openai", workerId: null, createdAt: "2026-11-29T08:00:00.000Z", startedAt: "2026-11-29T08:05:00.000Z", finishedAt: null, attached: false },
      [{ id: "e", remoteId: null, level: "info", message: "Uploading", data: { status: "uploading" }, at: "2026-11-29T08:01:00.000Z" }],
    );
    expect(t.map((s) => [s.status, s.state, s.at])).toEqual([
      ["queued", "done", "2026-11-29T08:00:00.000Z"],
      ["uploading", "done", "2026-11-29T08:01:00.000Z"],
      ["validating_files", "done", null],
      ["running", "current", "2026-11-29T08:05:00.000Z"],
      ["terminal", "pending", null],
    ]);
  });

  it("gives a local job a preparing step instead of uploading and validating: current once a worker took it", () => {
    const job = { provider: "local", createdAt: "2026-11-29T08:00:00.000Z", startedAt: null, finishedAt: null, attached: false } as const;
    const preparing = { id: "p", remoteId: null, level: "info", message: "Preparing on w: …", data: { phase: "preparing", workerId: "w" }, at: "2026-11-29T08:02:00.000Z" };
    const steps = (t: ReturnType<typeof statusTimeline>) => t.map((s) => [s.status, s.state, s.at]);
    expect(steps(statusTimeline({ ...job, status: "queued", workerId: null }, []))).toEqual([
      ["queued", "current", job.createdAt],
      ["preparing", "pending", null],
      ["running", "pending", null],
      ["terminal", "pending", null],
    ]);
    expect(steps(statusTimeline({ ...job, status: "queued", workerId: "w" }, [preparing]))).toEqual([
      ["queued", "done", job.createdAt],
      ["preparing", "current", preparing.at],
      ["running", "pending", null],
      ["terminal", "pending", null],
    ]);
    // Back in line (its worker died while preparing it): queued again.
    expect(steps(statusTimeline({ ...job, status: "queued", workerId: "w", queuePosition: 2 }, [preparing]))[0]).toEqual(["queued", "current", job.createdAt]);
    const done = statusTimeline({ ...job, status: "succeeded", workerId: "w", startedAt: "2026-11-29T08:03:00.000Z", finishedAt: "2026-11-29T08:09:00.000Z" }, [preparing]);
    expect(steps(done)).toEqual([
      ["queued", "done", job.createdAt],
      ["preparing", "done", preparing.at],
      ["running", "done", "2026-11-29T08:03:00.000Z"],
      ["terminal", "done", "2026-11-29T08:09:00.000Z"],
    ]);
    expect(done.map((s) => s.label)).toEqual(["Queued", "Preparing", "Running", "Succeeded"]);
  });
});

describe("missingModelText", () => {
  it("promises a model name only while the job can still succeed", () => {
    for (const s of ["queued", "validating_files", "running", "cancelling"]) expect(missingModelText(s)).toBe("Appears here when the job succeeds.");
    expect(missingModelText("succeeded")).toMatch(/^The provider reported none/);
    expect(missingModelText("failed")).toBe("None: the job failed before one was made.");
    expect(missingModelText("cancelled")).toBe("None: the job was cancelled before one was made.");
  });
});

describe("chartSeries of DPO reward margins", () => {
  it("draws the margins from their own columns: training every step, validation where evaluated, no epoch-end markers", () => {
    const points = [
      point(1, { rewardMargin: 0, trainAccuracy: 0 }),
      point(2, { rewardMargin: 0.5, trainAccuracy: 0.5 }),
      point(3, { rewardMargin: 1, validRewardMargin: 0.75, fullValidAccuracy: 0.9 }),
    ];
    const s = chartSeries(points, { metric: "margin", smoothing: 0, logScale: false });
    expect(s.train.map((p) => [p.step, p.raw])).toEqual([[1, 0], [2, 0.5], [3, 1]]);
    expect(s.valid.map((p) => [p.step, p.raw])).toEqual([[3, 0.75]]);
    expect(s.fullValid).toEqual([]);
    expect(s.lastStep).toBe(3);
  });
});
