import { z } from "zod";
import { createExample, createTemplateShape } from "@/lib/datasets/edit";
import { examplesQueryParamsSchema } from "@/lib/datasets/query/params";
import { listExamples } from "@/lib/datasets/query/list";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// GET /api/datasets/[id]/examples – one page of the curation table (sort, filters, search) with the match total
export const GET = route({ params, query: examplesQueryParamsSchema }, async ({ params, query }) =>
  listExamples({ datasetId: params.id, ...query }),
);

// POST /api/datasets/[id]/examples – append an example (blank user + assistant unless `messages` is given)
export const POST = route({ params, body: createTemplateShape }, async ({ params, body }) => ({
  example: await createExample({ datasetId: params.id, template: body }),
}));
