import { z } from "zod";
import { getImport } from "@/lib/datasets/import/manage";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1), importId: z.string().min(1) });

// GET /api/datasets/[id]/imports/[importId] – status, progress and report of one import
export const GET = route({ params }, async ({ params }) => ({ import: await getImport({ datasetId: params.id, importId: params.importId }) }));
