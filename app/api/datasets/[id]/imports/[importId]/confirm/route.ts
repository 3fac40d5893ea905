import { z } from "zod";
import { confirmImport } from "@/lib/datasets/import/manage";
import { csvMappingSchema } from "@/lib/datasets/import/types";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1), importId: z.string().min(1) });
const body = z.object({ skipInvalid: z.boolean().optional(), csvMapping: csvMappingSchema.optional() });

// POST /api/datasets/[id]/imports/[importId]/confirm {skipInvalid?, csvMapping?} – go on with an import that
// waits for review: import only the valid lines, or read a CSV with this column mapping
export const POST = route({ params, body }, async ({ params, body }) => ({
  import: await confirmImport({ datasetId: params.id, importId: params.importId, ...body }),
}));
