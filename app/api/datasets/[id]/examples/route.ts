import { z } from "zod";
import { createExample, createTemplateShape } from "@/lib/datasets/edit";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// POST /api/datasets/[id]/examples – append an example (blank user + assistant unless `messages` is given)
export const POST = route({ params, body: createTemplateShape }, async ({ params, body }) => ({
  example: await createExample({ datasetId: params.id, template: body }),
}));
