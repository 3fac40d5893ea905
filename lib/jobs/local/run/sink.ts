import type { Checkpoint, MetricPoint, PrismaClient } from "@prisma/client";
import type { StepReport } from "../../../../native/index";
import type { LoggedReport } from "./checkpoint-log";
import { publishCheckpoints, publishMetrics, storeCheckpoints, type LivePublisher } from "../../events";
import fs from "node:fs";
import { absoluteInData, relativeToData } from "./paths";

// The trainer reports each optimizer step from its worker thread; the event loop receives the reports in
// order. Writing each one before the next step would put a Postgres round trip on the training path, so the
// sink queues reports and one writer drains the queue: whatever arrived while a write ran goes in the next
// (one statement per batch). Points are unique on (job, step), and a resumed run's points replace those a
// killed run wrote past its last checkpoint (dropped before the resumed run starts), and the page (which merges
// by step) draws one curve without gaps.

export type StepSinkOptions = {
  db: PrismaClient;
  pub: LivePublisher;
  jobId: string;
  dataDir: string;
  /** Configured epochs, to turn a step into a fractional epoch for the chart's epoch lines. */
  epochs: number;
  onError: (err: Error) => void;
};

export type StepSink = {
  push(report: StepReport): void;
  /** Stores steps a killed run trained but never stored, from a checkpoint's log, before this run's first report. */
  restore(reports: StoredReport[]): void;
  /** Records a checkpoint the trainer wrote without a step report (the one written on cancel). */
  checkpoint(step: number, dir: string, metrics: Record<string, number>): void;
  /** Resolves once everything pushed so far is stored and published. */
  drain(): Promise<void>;
  /** Steps stored so far (the newest report seen). */
  readonly lastStep: number;
  readonly lastReport: StepReport | null;
};

/** What the sink stores of a step: a report, or a step restored from a checkpoint's log. */
export type StoredReport = LoggedReport & { checkpointDir?: string };

type Item = { kind: "step"; report: StoredReport } | { kind: "checkpoint"; step: number; dir: string; metrics: Record<string, number> };

export function createStepSink(o: StepSinkOptions): StepSink {
  let queue: Item[] = [];
  let writing: Promise<void> | null = null;
  let lastReport: StepReport | null = null;

  const pointOf = (r: StoredReport) => ({
    trainLoss: r.loss,
    validLoss: r.validLoss ?? null,
    // DPO: the share of pairs the chosen answer wins (TRL's rewards/accuracies) in the accuracy columns, which the
    // job page titles "Reward accuracy" for a DPO job, and the mean margin (rewards/margins) in columns of its own.
    trainAccuracy: r.rewardAccuracy ?? null,
    validAccuracy: r.validRewardAccuracy ?? null,
    rewardMargin: r.rewardMargin ?? null,
    validRewardMargin: r.validRewardMargin ?? null,
    learningRate: r.lr,
    tokensPerSecond: r.tokensPerSec,
    gradNorm: r.gradNorm,
    memoryBytes: BigInt(Math.round(r.memoryBytes)),
    totalSteps: r.totalSteps,
    epoch: r.totalSteps > 0 ? (r.step * o.epochs) / r.totalSteps : null,
  });

  async function writeBatch(items: Item[]): Promise<void> {
    const steps = items.flatMap((i) => (i.kind === "step" ? [i.report] : []));
    // One statement per batch, whatever its size. Steps are new within a run: a resumed run first drops what
    // the killed run stored past its checkpoint (run.ts dropPast), so a plain insert is the upsert here.
    const points: MetricPoint[] = steps.length
      ? (await o.db.metricPoint.createManyAndReturn({ data: steps.map((r) => ({ jobId: o.jobId, step: r.step, ...pointOf(r) })), skipDuplicates: true })).sort((a, b) => a.step - b.step)
      : [];
    const checkpoints = items.flatMap((i) => {
      if (i.kind === "checkpoint") return [{ step: i.step, dir: i.dir, metrics: i.metrics }];
      const r = i.report;
      if (!r.checkpointDir) return [];
      // Keys as OpenAI's checkpoint metrics (the checkpoints table and "best checkpoint" read these).
      return [
        {
          step: r.step,
          dir: r.checkpointDir,
          metrics: {
            train_loss: r.loss,
            ...(r.validLoss !== undefined ? { valid_loss: r.validLoss } : {}),
            ...(r.rewardAccuracy !== undefined ? { train_reward_accuracy: r.rewardAccuracy } : {}),
            ...(r.validRewardAccuracy !== undefined ? { valid_reward_accuracy: r.validRewardAccuracy } : {}),
            ...(r.rewardMargin !== undefined ? { train_reward_margin: r.rewardMargin } : {}),
            ...(r.validRewardMargin !== undefined ? { valid_reward_margin: r.validRewardMargin } : {}),
          },
        },
      ];
    });
    const stored = await storeCheckpoints(
      o.db,
      o.jobId,
      checkpoints.map((c) => ({ step: c.step, remoteId: null, modelName: null, path: relativeToData(o.dataDir, c.dir), metrics: c.metrics })),
    );
    const left = stored.length ? await forgetPrunedCheckpoints() : null;
    await publishMetrics(o.pub, o.jobId, points);
    // After a prune the page gets the whole set, so it stops listing (and recommending) folders that are gone.
    if (left) await publishCheckpoints(o.pub, o.jobId, left, { complete: true });
    else await publishCheckpoints(o.pub, o.jobId, stored);
  }

  // The trainer keeps only its newest few checkpoint folders; rows for the ones it removed would list
  // checkpoints nobody can load or resume from. Returns the rows left when some went, else null.
  async function forgetPrunedCheckpoints(): Promise<Checkpoint[] | null> {
    const rows = await o.db.checkpoint.findMany({ where: { jobId: o.jobId }, orderBy: { step: "asc" } });
    const gone = new Set(rows.filter((c) => c.path !== null && !fs.existsSync(absoluteInData(o.dataDir, c.path))).map((c) => c.id));
    if (gone.size === 0) return null;
    await o.db.checkpoint.deleteMany({ where: { id: { in: [...gone] } } });
    return rows.filter((c) => !gone.has(c.id));
  }

  function kick(): void {
    if (writing) return;
    writing = (async () => {
      while (queue.length) {
        const batch = queue;
        queue = [];
        try {
          await writeBatch(batch);
        } catch (err) {
          o.onError(err as Error);
        }
      }
    })().finally(() => {
      writing = null;
      if (queue.length) kick();
    });
  }

  return {
    push(report) {
      lastReport = report;
      queue.push({ kind: "step", report });
      kick();
    },
    restore(reports) {
      for (const report of reports) queue.push({ kind: "step", report });
      kick();
    },
    checkpoint(step, dir, metrics) {
      queue.push({ kind: "checkpoint", step, dir, metrics });
      kick();
    },
    async drain() {
      while (writing || queue.length) {
        kick();
        await writing;
      }
    },
    get lastStep() {
      return lastReport?.step ?? 0;
    },
    get lastReport() {
      return lastReport;
    },
  };
}
