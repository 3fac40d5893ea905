import type { Prisma, PrismaClient } from "@prisma/client";
import { scanModels } from "../models/scan";

// What the playground offers: base models from the models directory (those with a tokenizer, which chat
// needs), succeeded local jobs that have an adapter, and succeeded OpenAI jobs with their fine-tuned model (asked
// through the API beside the model they were trained from: hosted.ts), the newest 200 of each first. A job's "Open in
// playground" link names the job (`includeJob`): an older one than those is added, so the link works for every job.

export type PlaygroundChoices = {
  /** thinkingSwitch: the template reads enable_thinking (Qwen3), so the playground offers its Thinking choice. */
  models: { name: string; hasChatTemplate: boolean; thinkingSwitch: boolean }[];
  jobs: PlaygroundJob[];
  hostedJobs: (PlaygroundJob & { fineTunedModel: string })[];
};
export type PlaygroundJob = { id: string; baseModel: string; label: string; finishedAt: string | null; datasetVersion: string | null };

const CHAT_READY = { provider: "local", status: "succeeded", adapterPath: { not: null } } as const;
const HOSTED_READY = { provider: "openai", status: "succeeded", fineTunedModel: { not: null } } as const;
const JOB_FIELDS = { id: true, baseModel: true, suffix: true, finishedAt: true, fineTunedModel: true, datasetVersion: { select: { number: true, dataset: { select: { name: true } } } } } as const;
const NEWEST = [{ finishedAt: "desc" }, { createdAt: "desc" }] as const;
type JobRow = Prisma.FineTuneJobGetPayload<{ select: typeof JOB_FIELDS }>;

function choiceOf(j: JobRow): PlaygroundJob {
  const dv = j.datasetVersion ? `${j.datasetVersion.dataset.name} v${j.datasetVersion.number}` : null;
  return { id: j.id, baseModel: j.baseModel, label: [j.suffix, dv, j.id.slice(-6)].filter(Boolean).join(" · "), finishedAt: j.finishedAt?.toISOString() ?? null, datasetVersion: dv };
}

/** The newest 200 jobs `where` matches, and the named one (however old) when it matches too. */
async function newestJobs(db: PrismaClient, where: typeof CHAT_READY | typeof HOSTED_READY, includeJob?: string): Promise<JobRow[]> {
  const jobs = await db.fineTuneJob.findMany({ where, orderBy: [...NEWEST], take: 200, select: JOB_FIELDS });
  if (includeJob && !jobs.some((j) => j.id === includeJob)) {
    const named = await db.fineTuneJob.findFirst({ where: { ...where, id: includeJob }, select: JOB_FIELDS });
    if (named) jobs.push(named);
  }
  return jobs;
}

export async function listPlaygroundChoices(db: PrismaClient, opts: { modelsRoot?: string; includeJob?: string } = {}): Promise<PlaygroundChoices> {
  const scan = await scanModels({ dir: opts.modelsRoot });
  const [jobs, hosted] = await Promise.all([newestJobs(db, CHAT_READY, opts.includeJob), newestJobs(db, HOSTED_READY, opts.includeJob)]);
  return {
    models: scan.models.filter((m) => m.hasTokenizer && !m.error).map((m) => ({ name: m.name, hasChatTemplate: m.hasChatTemplate, thinkingSwitch: m.thinkingSwitch })),
    jobs: jobs.map(choiceOf),
    hostedJobs: hosted.map((j) => ({ ...choiceOf(j), fineTunedModel: j.fineTunedModel! })),
  };
}
