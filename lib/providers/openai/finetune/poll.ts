import type OpenAI from "openai";
import type { CheckpointInput, MetricPointInput, PollResult, ProviderEvent } from "../../types";
import { toRemoteJobState } from "./status";

// One poll of a remote job: its state, the events since the last one we stored, the metric points those
// events carry, and the checkpoints. Events come newest first; `after` on that list means "older than",
// so new events are found by paging from the newest until we reach the last id we already have.

export type PollOptions = { afterEventId?: string | null; pageSize?: number };

export async function pollJob(client: OpenAI, remoteJobId: string, opts: PollOptions = {}): Promise<PollResult> {
  const job = await client.fineTuning.jobs.retrieve(remoteJobId);
  const events = await newEvents(client, remoteJobId, opts.afterEventId ?? null, opts.pageSize ?? 100);
  const checkpoints = await listCheckpoints(client, remoteJobId);
  return { state: toRemoteJobState(job), events: events.map(toProviderEvent), metrics: events.flatMap(toMetricPoint), checkpoints };
}

type RawEvent = OpenAI.FineTuning.FineTuningJobEvent;

async function newEvents(client: OpenAI, jobId: string, afterEventId: string | null, limit: number): Promise<RawEvent[]> {
  const seen = new Set<string>();
  const fresh: RawEvent[] = [];
  let page = await client.fineTuning.jobs.listEvents(jobId, { limit });
  for (;;) {
    for (const e of page.data) {
      if (e.id === afterEventId) return fresh.reverse();
      // A page boundary can shift while new events arrive, repeating an event: keep the first copy.
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      fresh.push(e);
    }
    // Never met afterEventId (unknown id, or OpenAI dropped old events): everything is returned, and the
    // caller's store de-duplicates by remoteId.
    if (!page.hasNextPage()) return fresh.reverse();
    page = await page.getNextPage();
  }
}

function toProviderEvent(e: RawEvent): ProviderEvent {
  return { remoteId: e.id, at: new Date(e.created_at * 1000), level: e.level, message: e.message, type: e.type ?? "message" };
}

type MetricsData = Partial<Record<
  "step" | "train_loss" | "train_mean_token_accuracy" | "valid_loss" | "valid_mean_token_accuracy" |
  "full_valid_loss" | "full_valid_mean_token_accuracy" | "total_steps", number>>;

export function toMetricPoint(e: RawEvent): MetricPointInput[] {
  if (e.type !== "metrics" || !e.data || typeof e.data !== "object") return [];
  const d = e.data as MetricsData;
  if (typeof d.step !== "number") return [];
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return [{
    step: d.step,
    trainLoss: num(d.train_loss),
    trainAccuracy: num(d.train_mean_token_accuracy),
    validLoss: num(d.valid_loss),
    validAccuracy: num(d.valid_mean_token_accuracy),
    fullValidLoss: num(d.full_valid_loss),
    fullValidAccuracy: num(d.full_valid_mean_token_accuracy),
    totalSteps: num(d.total_steps),
    at: new Date(e.created_at * 1000),
  }];
}

/** All checkpoints (OpenAI keeps the last three epochs), oldest first. */
export async function listCheckpoints(client: OpenAI, jobId: string): Promise<CheckpointInput[]> {
  const out: CheckpointInput[] = [];
  for await (const c of client.fineTuning.jobs.checkpoints.list(jobId)) {
    const metrics = Object.fromEntries(Object.entries(c.metrics ?? {}).filter(([, v]) => typeof v === "number")) as Record<string, number>;
    out.push({ remoteId: c.id, step: c.step_number, model: c.fine_tuned_model_checkpoint, metrics, at: new Date(c.created_at * 1000) });
  }
  return out.sort((a, b) => a.step - b.step);
}
