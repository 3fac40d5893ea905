import { z } from "zod";
import { updateDatasetSettings } from "@/lib/datasets/analysis/settings";
import { deleteDataset } from "@/lib/datasets/delete";
import { getDataset } from "@/lib/datasets/get";
import { notFound } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// GET /api/datasets/[id] – one dataset with its first examples (read-only view)
export const GET = route({ params }, async ({ params }) => {
  const dataset = await getDataset({ id: params.id });
  if (!dataset) throw notFound("Dataset");
  return { dataset };
});

// DELETE /api/datasets/[id] – delete a dataset and its examples (refused while versions exist)
export const DELETE = route({ params }, async ({ params }) => ({ deleted: await deleteDataset({ id: params.id }) }));

const patchBody = z
  .object({
    name: z.string().trim().min(1, "name must not be empty").max(200, "name must be at most 200 characters").optional(),
    description: z.string().max(5_000, "description must be at most 5,000 characters").optional(),
    countModel: z.string().trim().min(1, "countModel must not be empty").max(200).optional(),
  })
  .strict();

// PATCH /api/datasets/[id] – rename, describe, or change the model tokens are counted for (recounts in the background)
export const PATCH = route({ params, body: patchBody }, async ({ params, body }) => ({ dataset: await updateDatasetSettings({ id: params.id, changes: body }) }));
