import { z } from "zod";
import { diffDataset } from "@/lib/datasets/versions/diff";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });
const side = z.union([z.literal("working"), z.coerce.number().int().positive()], { error: 'a version number or "working"' });
const query = z.object({ from: side, to: side.default("working") });

// GET /api/datasets/[id]/versions/diff?from=1&to=2|working – +added −removed ~changed
export const GET = route({ params, query }, async ({ params, query }) => ({ diff: await diffDataset({ datasetId: params.id, from: query.from, to: query.to }) }));
