import { Prisma, type JobStatus } from "@prisma/client";
import { cancelJob, pollJob } from "../../providers/openai/finetune";
import type { RemoteJobState } from "../../providers/types";
import { isTerminalJobStatus } from "../types";
import {
  publishCheckpoints,
  publishEvents,
  publishJobSummary,
  publishMetrics,
  storeCheckpoints,
  storeEvents,
  storeMetricPoints,
} from "../events";
import type { JobRow, StepContext, StepResult } from "./context";
import { storeResults } from "./results";
import { recordStatusChange } from "./transitions";
import { checkpointRow, eventRow, metricRow, numberOrNull } from "./series";

// Once a remote job exists: one poll (job, events after the stored cursor, checkpoints), written to
// Postgres in the order that survives a crash — series first (idempotent inserts), then the row with the
// new cursor — and published after each write.

export async function pollStep(ctx: StepContext, row: JobRow): Promise<StepResult> {
  const remoteJobId = row.remoteJobId!;
  const r = await pollJob(ctx.client, remoteJobId, { afterEventId: row.lastEventRemoteId });
  const nEpochs = numberOrNull(r.state.hyperparameters.n_epochs);

  const events = await storeEvents(ctx.db, row.id, r.events.map(eventRow));
  await publishEvents(ctx.pub, row.id, events);
  const points = await storeMetricPoints(ctx.db, row.id, r.metrics.map((m) => metricRow(m, nEpochs)));
  await publishMetrics(ctx.pub, row.id, points);
  const checkpoints = await storeCheckpoints(ctx.db, row.id, r.checkpoints.map(checkpointRow));
  await publishCheckpoints(ctx.pub, row.id, checkpoints);

  if (r.state.status === "succeeded") await storeResults(ctx, row, r.state.resultFileIds, nEpochs);
  const startedAt = r.events.find((e) => e.message === "Fine-tuning job started")?.at ?? r.metrics[0]?.at ?? null;
  const changed = await applyRemoteState(ctx, row, r.state, { lastEventId: r.events.at(-1)?.remoteId ?? null, startedAt });
  // New points move the summary's progress too; an idle poll (only the cursor and poll time moved) is not published.
  if (changed || points.length) await publishJobSummary(ctx.db, ctx.pub, row.id);
  if (isTerminalJobStatus(r.state.status)) return 0;
  return r.state.status === "running" ? ctx.timing.pollMs : ctx.timing.slowPollMs;
}

/** Cancel requested: with a remote job, ask OpenAI (idempotent) and keep polling until it says so; else just stop. */
export async function cancelStep(ctx: StepContext, row: JobRow): Promise<StepResult> {
  if (!row.remoteJobId) {
    await ctx.db.fineTuneJob.update({ where: { id: row.id }, data: { status: "cancelled", finishedAt: new Date(), retryMessage: null } });
    const note = row.remoteTrainingFileId ? " The uploaded files were kept on OpenAI." : "";
    await publishEvents(ctx.pub, row.id, await storeEvents(ctx.db, row.id, [
      { remoteId: null, level: "info", message: `Cancelled before a job was created on OpenAI; nothing was trained or billed.${note}` },
    ]));
    await publishJobSummary(ctx.db, ctx.pub, row.id);
    return 0;
  }
  if (row.status !== "cancelling" && !isTerminalJobStatus(row.status)) {
    await ctx.db.fineTuneJob.update({ where: { id: row.id }, data: { status: "cancelling" } });
    await publishJobSummary(ctx.db, ctx.pub, row.id);
  }
  if (!ctx.mem.cancelSent) {
    await cancelJob(ctx.client, row.remoteJobId);
    ctx.mem.cancelSent = true;
  }
  // The final status is OpenAI's: cancelled, or succeeded/failed when the job ended before the cancel.
  return pollStep(ctx, { ...row, status: "cancelling" });
}

/** `seen`: the newest event id of this poll, and when the job started if this poll's events tell. */
async function applyRemoteState(
  ctx: StepContext,
  row: JobRow,
  state: RemoteJobState,
  seen: { lastEventId: string | null; startedAt: Date | null },
): Promise<boolean> {
  const terminal = isTerminalJobStatus(state.status);
  const status: JobStatus = row.cancelRequestedAt && !terminal ? "cancelling" : state.status;
  const now = new Date();
  const data: Prisma.FineTuneJobUpdateInput = {
    status,
    remoteStatus: state.remoteStatus,
    estimatedFinishAt: state.estimatedFinish,
    lastPolledAt: now,
    ...(seen.lastEventId ? { lastEventRemoteId: seen.lastEventId } : {}),
    ...(state.fineTunedModel ? { fineTunedModel: state.fineTunedModel } : {}),
    ...(state.trainedTokens !== null ? { trainedTokens: state.trainedTokens } : {}),
    // Times from OpenAI's own events when this poll saw them (a job may have run while no worker watched).
    ...((state.status === "running" || seen.startedAt) && !row.startedAt ? { startedAt: seen.startedAt ?? now } : {}),
    ...(terminal && !row.finishedAt ? { finishedAt: state.finishedAt ?? now } : {}),
    ...(state.error ? { errorCode: state.error.code, errorMessage: state.error.message } : {}),
  };
  if (state.trainedTokens !== null) {
    const price = await trainingPrice(ctx, row);
    if (price) data.actualUsd = price.mul(state.trainedTokens).div(1_000_000);
  }
  const changed =
    row.status !== status || row.remoteStatus !== state.remoteStatus || row.fineTunedModel !== (state.fineTunedModel ?? row.fineTunedModel) ||
    row.trainedTokens !== (state.trainedTokens ?? row.trainedTokens) || (row.estimatedFinishAt?.getTime() ?? null) !== (state.estimatedFinish?.getTime() ?? null);
  await ctx.db.fineTuneJob.update({ where: { id: row.id }, data });
  await recordStatusChange(ctx, row.id, row.status, status);
  return changed;
}

/** The price the estimate used; when the job was launched without one, the price table's current entry. */
async function trainingPrice(ctx: StepContext, row: JobRow): Promise<Prisma.Decimal | null> {
  if (row.trainingPricePerMTok) return row.trainingPricePerMTok;
  const entry = await ctx.db.priceEntry.findUnique({ where: { provider_model: { provider: row.provider, model: row.baseModel } } });
  return entry?.trainingPerMTok ?? null;
}
