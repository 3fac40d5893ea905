import { z } from "zod";
import { getAnalysisProgress } from "@/lib/datasets/analysis/progress";
import { notFound } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// GET /api/datasets/[id]/analysis – background analysis progress (token counts, findings) of the latest revision
export const GET = route({ params }, async ({ params }) => {
  const progress = await getAnalysisProgress({ datasetId: params.id });
  if (!progress) throw notFound("Dataset");
  return progress;
});
