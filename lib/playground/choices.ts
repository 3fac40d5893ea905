import type { PrismaClient } from "@prisma/client";
import { scanModels } from "../models/scan";

// What the playground offers: base models from the models directory (those with a tokenizer, which chat
// needs) and succeeded local jobs that have an adapter, newest first.

export type PlaygroundChoices = {
  models: { name: string; hasChatTemplate: boolean }[];
  jobs: { id: string; baseModel: string; label: string; finishedAt: string | null; datasetVersion: string | null }[];
};

export async function listPlaygroundChoices(db: PrismaClient, opts: { modelsRoot?: string } = {}): Promise<PlaygroundChoices> {
  const scan = await scanModels({ dir: opts.modelsRoot });
  const jobs = await db.fineTuneJob.findMany({
    where: { provider: "local", status: "succeeded", adapterPath: { not: null } },
    orderBy: [{ finishedAt: "desc" }, { createdAt: "desc" }],
    take: 200,
    select: { id: true, baseModel: true, suffix: true, finishedAt: true, datasetVersion: { select: { number: true, dataset: { select: { name: true } } } } },
  });
  return {
    models: scan.models.filter((m) => m.hasTokenizer && !m.error).map((m) => ({ name: m.name, hasChatTemplate: m.hasChatTemplate })),
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
