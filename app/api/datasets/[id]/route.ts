import { z } from "zod";
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
