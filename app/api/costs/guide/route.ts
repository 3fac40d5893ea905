import { z } from "zod";
import { guideForDataset } from "@/lib/cost/guide-dataset";
import { notFound } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

const query = z.object({ dataset: z.string({ error: "choose a dataset (its id)" }).min(1, "choose a dataset (its id)") });

// GET /api/costs/guide?dataset=<id> – "Do you need fine-tuning?" checklist and recommendation for one dataset
export const GET = route({ query }, async ({ query }) => {
  const guide = await guideForDataset({ datasetId: query.dataset });
  if (!guide) throw notFound("Dataset");
  return guide;
});
