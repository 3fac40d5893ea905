import { z } from "zod";
import { getDatasetStats } from "@/lib/datasets/stats/stats";
import { notFound } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// GET /api/datasets/[id]/stats – statistics panel figures: splits, histograms, duplicates, tags, billing, readiness
export const GET = route({ params }, async ({ params }) => {
  const stats = await getDatasetStats({ datasetId: params.id });
  if (!stats) throw notFound("Dataset");
  return stats;
});
