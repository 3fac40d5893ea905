import { z } from "zod";
import { route } from "@/lib/http/route";
import { exportEvalRun, exportResponse } from "@/lib/eval/export";

const params = z.object({ id: z.string().min(1) });
const query = z.object({ format: z.enum(["csv", "json"], { error: "must be csv or json" }).default("csv") }).strict();

// GET /api/evals/[id]/export?format=csv|json – every sample, streamed as a download
export const GET = route({ params, query }, async ({ params, query }) => exportResponse(await exportEvalRun(params.id, query.format)));
