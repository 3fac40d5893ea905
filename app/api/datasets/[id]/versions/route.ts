import { z } from "zod";
import { freezeVersion } from "@/lib/datasets/versions/freeze";
import { listVersions } from "@/lib/datasets/versions/list";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });
const body = z.object({ note: z.string().max(500, "keep it under 500 characters").optional() });

// GET /api/datasets/[id]/versions – frozen versions, newest first
export const GET = route({ params }, async ({ params }) => ({ versions: await listVersions(params.id) }));

// POST /api/datasets/[id]/versions – freeze the working set into the next version
export const POST = route({ params, body }, async ({ params, body }) => ({ version: await freezeVersion(params.id, body.note) }));
