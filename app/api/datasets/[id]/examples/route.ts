import { z } from "zod";
import { examplesQueryParamsSchema } from "@/lib/datasets/query/params";
import { listExamples } from "@/lib/datasets/query/list";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// GET /api/datasets/[id]/examples – one page of the curation table (sort, filters, search) with the match total
export const GET = route({ params, query: examplesQueryParamsSchema }, async ({ params, query }) =>
  listExamples({ datasetId: params.id, ...query }),
);
