import type { PrismaClient } from "@prisma/client";
import type { Job } from "bullmq";
import { env as defaultEnv, type Env } from "../env";
import { WEBHOOK_ATTEMPTS, type Payload } from "../queue/contracts";
import { queues as defaultQueues, type QueueSet } from "../queue/queues";
import { TERMINAL_JOB_STATUSES } from "../jobs/types";
import { deliver } from "./deliver";
import { eventOfStatus } from "./events";
import { jobEndedPayload } from "./payload";

// Job endings to webhooks. Jobs end on many paths (a worker's run, an OpenAI poll, a cancel from the page, a
// reconcile after a crash), so rather than each path remembering to notify, a scheduled job (system.notifyEndedJobs,
// every few seconds) looks for jobs that ended and were not yet sent, and queues one delivery per webhook that wants
// that ending. Only endings after a webhook was added are sent to it: adding one does not replay the history.

const BATCH = 100;

/** Queues the deliveries of the jobs that ended since the last look; answers how many were queued. */
export async function queueEndedJobs(db: PrismaClient, opts: { queues?: QueueSet; now?: Date } = {}): Promise<number> {
  const hooks = await db.webhook.findMany({ select: { id: true, events: true, createdAt: true } });
  if (hooks.length === 0) return 0;
  const since = new Date(Math.min(...hooks.map((h) => h.createdAt.getTime())));
  const ended = await db.fineTuneJob.findMany({
    where: { notifiedAt: null, status: { in: [...TERMINAL_JOB_STATUSES] }, finishedAt: { gte: since } },
    select: { id: true, status: true, finishedAt: true },
    orderBy: { finishedAt: "asc" },
    take: BATCH,
  });
  const q = opts.queues ?? defaultQueues();
  let queued = 0;
  for (const job of ended) {
    const event = eventOfStatus(job.status);
    if (!event) continue;
    // Queued before the job is marked: a crash between the two queues it again, and the delivery's job id (one per
    // webhook and job) makes that the same delivery.
    for (const h of hooks) {
      if (!h.events.includes(event) || job.finishedAt! < h.createdAt) continue;
      await q.enqueue("system", "system.deliverWebhook", { webhookId: h.id, jobId: job.id, event });
      queued++;
    }
    await db.fineTuneJob.updateMany({ where: { id: job.id, notifiedAt: null }, data: { notifiedAt: opts.now ?? new Date() } });
  }
  return queued;
}

/** system.deliverWebhook: one POST; a refusal throws so BullMQ retries, and the last one goes into the job's log. */
export async function deliverJobEnding(db: PrismaClient, p: Payload<"system", "system.deliverWebhook">, job: Pick<Job, "attemptsMade"> | null, opts: { env?: Env } = {}) {
  const e = opts.env ?? defaultEnv();
  const hook = await db.webhook.findUnique({ where: { id: p.webhookId } });
  if (!hook) return { skipped: "the webhook was deleted" };
  const payload = await jobEndedPayload(db, p.jobId, p.event, e.TUNEFORGE_URL);
  if (!payload) return { skipped: "the job was deleted" };
  const result = await deliver(db, hook, payload, { env: e, deliveryId: `${hook.id}-${p.jobId}` });
  if (result.ok) return result;
  const attempt = (job?.attemptsMade ?? 0) + 1;
  if (attempt >= WEBHOOK_ATTEMPTS) {
    await db.jobEvent.create({
      data: { jobId: p.jobId, level: "warning", message: `The webhook ${hook.urlHint} was not told that this job ended: ${result.message} (${WEBHOOK_ATTEMPTS} tries). Check it in Settings → Notifications.` },
    });
  }
  throw new Error(`webhook ${hook.urlHint}: ${result.message}`);
}
