import type { PrismaClient } from "@prisma/client";
import type { Job } from "bullmq";
import { env as defaultEnv, type Env } from "../env";
import { TERMINAL_JOB_STATUSES } from "../jobs/types";
import { WEBHOOK_ATTEMPTS, type Payload } from "../queue/contracts";
import { queues as defaultQueues, type QueueSet } from "../queue/queues";
import { deliver } from "./deliver";
import { eventOf, kindOfEvent, type EndedKind } from "./events";
import { evalEndedPayload, jobEndedPayload } from "./payload";

// Endings to webhooks: fine-tuning jobs and evaluation runs. They end on many paths (a worker's run, an OpenAI poll,
// a cancel from the page, a reconcile after a crash), so rather than each path remembering to notify, a scheduled job
// (system.notifyEndedJobs, every few seconds) looks for rows that ended and were not yet sent, and queues one
// delivery per webhook that wants that ending. Only endings after a webhook was added are sent to it: adding one
// does not replay the history.

const BATCH = 100;
type Ended = { kind: EndedKind; id: string; status: string; finishedAt: Date | null };

async function endedSince(db: PrismaClient, since: Date): Promise<Ended[]> {
  const where = { notifiedAt: null, status: { in: [...TERMINAL_JOB_STATUSES] }, finishedAt: { gte: since } };
  const select = { id: true, status: true, finishedAt: true } as const;
  const [jobs, evals] = await Promise.all([
    db.fineTuneJob.findMany({ where, select, orderBy: { finishedAt: "asc" }, take: BATCH }),
    db.evalRun.findMany({ where: { ...where, status: { in: ["succeeded", "failed", "cancelled"] } }, select, orderBy: { finishedAt: "asc" }, take: BATCH }),
  ]);
  return [...jobs.map((j) => ({ kind: "job" as const, ...j })), ...evals.map((e) => ({ kind: "eval" as const, ...e }))];
}

/** Queues the deliveries of what ended since the last look; answers how many were queued. */
export async function queueEndings(db: PrismaClient, opts: { queues?: QueueSet; now?: Date } = {}): Promise<number> {
  const hooks = await db.webhook.findMany({ select: { id: true, events: true, createdAt: true } });
  if (hooks.length === 0) return 0;
  const ended = await endedSince(db, new Date(Math.min(...hooks.map((h) => h.createdAt.getTime()))));
  const q = opts.queues ?? defaultQueues();
  let queued = 0;
  for (const row of ended) {
    const event = eventOf(row.kind, row.status);
    if (!event) continue;
    // Queued before the row is marked: a crash between the two queues it again, and the delivery's job id (one per
    // webhook and row) makes that the same delivery.
    for (const h of hooks) {
      if (!h.events.includes(event) || row.finishedAt! < h.createdAt) continue;
      await q.enqueue("system", "system.deliverWebhook", { webhookId: h.id, id: row.id, event });
      queued++;
    }
    const mark = { where: { id: row.id, notifiedAt: null }, data: { notifiedAt: opts.now ?? new Date() } };
    if (row.kind === "job") await db.fineTuneJob.updateMany(mark);
    else await db.evalRun.updateMany(mark);
  }
  return queued;
}

/** system.deliverWebhook: one POST; a refusal throws so BullMQ retries, and a job's last one goes into its log. */
export async function deliverEnding(db: PrismaClient, p: Payload<"system", "system.deliverWebhook">, job: Pick<Job, "attemptsMade"> | null, opts: { env?: Env } = {}) {
  const e = opts.env ?? defaultEnv();
  const hook = await db.webhook.findUnique({ where: { id: p.webhookId } });
  if (!hook) return { skipped: "the webhook was deleted" };
  const kind = kindOfEvent(p.event);
  const payload = kind === "job" ? await jobEndedPayload(db, p.id, p.event, e.TUNEFORGE_URL) : await evalEndedPayload(db, p.id, p.event, e.TUNEFORGE_URL);
  if (!payload) return { skipped: `the ${kind === "job" ? "job" : "evaluation"} was deleted` };
  const result = await deliver(db, hook, payload, { env: e, deliveryId: `${hook.id}-${p.id}` });
  if (result.ok) return result;
  const attempt = (job?.attemptsMade ?? 0) + 1;
  // An evaluation has no event log: its webhook's last delivery (Settings) shows the failure.
  if (attempt >= WEBHOOK_ATTEMPTS && kind === "job") {
    await db.jobEvent.create({
      data: { jobId: p.id, level: "warning", message: `The webhook ${hook.urlHint} was not told that this job ended: ${result.message} (${WEBHOOK_ATTEMPTS} tries). Check it in Settings → Notifications.` },
    });
  }
  throw new Error(`webhook ${hook.urlHint}: ${result.message}`);
}
