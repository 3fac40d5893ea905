import { z } from "zod";
import { getVersion } from "@/lib/datasets/versions/list";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1), number: z.coerce.number().int().positive() });

// GET /api/datasets/[id]/versions/[number] – one version
export const GET = route({ params }, async ({ params }) => ({ version: await getVersion(params.id, params.number) }));
