import { z } from "zod";
import { bulkAction, bulkActionShape } from "@/lib/datasets/edit";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });

// POST /api/datasets/[id]/bulk – delete, tag, untag or set the split of selected examples; returns the undo batch
export const POST = route({ params, body: bulkActionShape }, async ({ params, body }) => bulkAction({ datasetId: params.id, input: body }));
