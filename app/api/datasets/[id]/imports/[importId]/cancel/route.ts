import { z } from "zod";
import { cancelImport } from "@/lib/datasets/import/manage";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1), importId: z.string().min(1) });

// POST /api/datasets/[id]/imports/[importId]/cancel – drop an import that has not been committed; the staged file is deleted
export const POST = route({ params }, async ({ params }) => ({ import: await cancelImport({ datasetId: params.id, importId: params.importId }) }));
