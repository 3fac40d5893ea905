import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { listPrices } from "../../pricing/list";
import { resolveOpenAIConfig } from "../../settings/credentials";
import type { LaunchVersionRef } from "./check";

// What the launch form offers: the newest 500 frozen versions, the price table's OpenAI models, and whether a key is
// configured. Only a yes/no about the key: nothing secret reaches the browser. A link from a dataset's page names its
// version (`linked`: ?datasetVersion= or ?dataset=): versions older than those 500 are added for it, so the link opens
// the form on the version it names rather than on another.

export type LaunchVersionOption = LaunchVersionRef & { createdAt: string; note: string };
export type LaunchModelOption = { model: string; trainingPerMTok: number; note: string };
export type LaunchOptions = { versions: LaunchVersionOption[]; models: LaunchModelOption[]; openaiConfigured: boolean };

const NEWEST = { orderBy: [{ createdAt: "desc" as const }, { number: "desc" as const }], take: 500, include: { dataset: { select: { name: true } } } };

export async function listLaunchOptions(opts: { db?: PrismaClient; linked?: { datasetVersion?: string; dataset?: string } } = {}): Promise<LaunchOptions> {
  const db = opts.db ?? prisma();
  const [newest, prices, credentials] = await Promise.all([db.datasetVersion.findMany(NEWEST), listPrices({ db }), resolveOpenAIConfig({ db })]);
  const { datasetVersion, dataset } = opts.linked ?? {};
  const named = [...(datasetVersion ? [{ id: datasetVersion }] : []), ...(dataset ? [{ datasetId: dataset }] : [])];
  const older = named.length ? await db.datasetVersion.findMany({ ...NEWEST, where: { OR: named, id: { notIn: newest.map((v) => v.id) } } }) : [];
  const versions = [...newest, ...older];
  return {
    versions: versions.map((v) => ({
      id: v.id,
      datasetId: v.datasetId,
      datasetName: v.dataset.name,
      number: v.number,
      trainCount: v.trainCount,
      validationCount: v.validationCount,
      hasPreference: v.hasPreference,
      createdAt: v.createdAt.toISOString(),
      note: v.note,
    })),
    models: prices.prices.filter((p) => p.provider === "openai").map((p) => ({ model: p.model, trainingPerMTok: p.trainingPerMTok, note: p.note })),
    openaiConfigured: !!credentials,
  };
}

/** The version a link asks for: ?datasetVersion=<id>, or ?dataset=<id>[&version=<n>] (newest when no number). */
export function pickInitialVersion(versions: LaunchVersionOption[], query: { datasetVersion?: string; dataset?: string; version?: string }): string | null {
  if (query.datasetVersion && versions.some((v) => v.id === query.datasetVersion)) return query.datasetVersion;
  if (query.dataset) {
    const ofDataset = versions.filter((v) => v.datasetId === query.dataset);
    const wanted = query.version ? ofDataset.find((v) => String(v.number) === query.version) : undefined;
    const newest = [...ofDataset].sort((a, b) => b.number - a.number)[0];
    return (wanted ?? newest)?.id ?? null;
  }
  return versions[0]?.id ?? null;
}
