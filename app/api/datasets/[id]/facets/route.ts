import { z } from "zod";
import { getFacets } from "@/lib/datasets/query/facets";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// GET /api/datasets/[id]/facets – tags, issue codes and splits with row counts, for the table's filter menus
export const GET = route({ params }, async ({ params }) => getFacets({ datasetId: params.id }));
