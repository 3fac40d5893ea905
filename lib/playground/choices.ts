import type { PrismaClient } from "@prisma/client";
import { scanModels } from "../models/scan";

// What the playground offers: base models from the models directory (those with a tokenizer, which chat
// needs) and succeeded local jobs that have an adapter, the newest 200 first. A job's "Open in playground" link names
// the job (`includeJob`): an older one than those is added, so the link works for every job, not the recent ones only.

export type PlaygroundChoices = {
  /** thinkingSwitch: the template reads enable_thinking (Qwen3), so the playground offers its Thinking choice. */
  models: { name: string; hasChatTemplate: boolean; thinkingSwitch: boolean }[];
  jobs: { id: string; baseModel: string; label: string; finishedAt: string | null; datasetVersion: string | null }[];
};

const CHAT_READY = { provider: "local", status: "succeeded", adapterPath: { not: null } } as const;
const JOB_FIELDS = { id: true, baseModel: true, suffix: true, finishedAt: true, datasetVersion: { select: { number: true, dataset: { select: { name: true } } } } } as const;

export async function listPlaygroundChoices(db: PrismaClient, opts: { modelsRoot?: string; includeJob?: string } = {}): Promise<PlaygroundChoices> {
  const scan = await scanModels({ dir: opts.modelsRoot });
  const jobs = await db.fineTuneJob.findMany({ where: CHAT_READY, orderBy: [{ finishedAt: "desc" }, { createdAt: "desc" }], take: 200, select: JOB_FIELDS });
  if (opts.includeJob && !jobs.some((j) => j.id === opts.includeJob)) {
    const named = await db.fineTuneJob.findFirst({ where: { ...CHAT_READY, id: opts.includeJob }, select: JOB_FIELDS });
    if (named) jobs.push(named);
  }
  return {
    models: scan.models.filter((m) => m.hasTokenizer && !m.error).map((m) => ({ name: m.name, hasChatTemplate: m.hasChatTemplate, thinkingSwitch: m.thinkingSwitch })),
    jobs: jobs.map((j) => {
      const dv = j.datasetVersion ? `${j.datasetVersion.dataset.name} v${j.datasetVersion.number}` : null;
      return {
        id: j.id,
        baseModel: j.baseModel,
        label: [j.suffix, dv, j.id.slice(-6)].filter(Boolean).join(" · "),
        finishedAt: j.finishedAt?.toISOString() ?? null,
        datasetVersion: dv,
      };
    }),
  };
}
