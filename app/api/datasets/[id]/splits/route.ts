import { z } from "zod";
import { resplitDataset, splitSummary } from "@/lib/datasets/versions/resplit";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });
const body = z.object({
  validationRatio: z
    .number({ error: "must be a number between 0 and 0.5 (the share of examples for validation)" })
    .min(0, "must be at least 0")
    .max(0.5, "must be at most 0.5: more than half in validation leaves too little to train on"),
  seed: z.number({ error: "must be a whole number, e.g. 42" }).int("must be a whole number, e.g. 42").safe(),
  stratifyByTag: z.boolean().default(false),
  resetManual: z.boolean().default(false),
  preview: z.boolean().default(false),
});

// GET /api/datasets/[id]/splits – current train/validation/test counts and how many rows were split by hand
export const GET = route({ params }, async ({ params }) => ({ splits: await splitSummary(params.id) }));

// POST /api/datasets/[id]/splits – re-split by ratio with a seed (preview: true only counts)
export const POST = route({ params, body }, async ({ params, body }) => ({ split: await resplitDataset({ datasetId: params.id, ...body }) }));
