import { z } from "zod";
import { undoBatch } from "@/lib/datasets/edit";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1), batchId: z.string().min(1) });

// POST /api/datasets/[id]/undo/[batchId] – undo a bulk action (within 24 h, once)
export const POST = route({ params }, async ({ params }) => undoBatch({ datasetId: params.id, batchId: params.batchId }));
