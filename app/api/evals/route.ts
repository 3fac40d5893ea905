import { z } from "zod";
import { created, route } from "@/lib/http/route";
import { createEval } from "@/lib/eval/create";
import { EVAL_STATUSES, listEvalRunsPage, type EvalStatusName } from "@/lib/eval/list";
import { getEvalRunView } from "@/lib/eval/view";

const listQuery = z
  .object({
    jobId: z.string().min(1).optional(),
    sweepId: z.string().min(1).optional(),
    status: z
      .string()
      .optional()
      .transform((s, ctx) => {
        const list = (s ?? "").split(",").map((x) => x.trim()).filter(Boolean);
        const unknown = list.filter((x) => !(EVAL_STATUSES as readonly string[]).includes(x));
        if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown status ${unknown.map((u) => `"${u}"`).join(", ")}; use ${EVAL_STATUSES.join(", ")}` });
        return list as EvalStatusName[];
      }),
    limit: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1 to 1000").max(1000, "must be 1 to 1000").optional(),
    before: z.string().min(1).optional(),
  })
  .strict();

// GET /api/evals?jobId=…&sweepId=…&status=running,queued&limit=50&before=… – newest first: { runs, total, newer,
// older }; `older` (null on the last page) is the next page's `before`.
export const GET = route({ query: listQuery }, async ({ query }) => await listEvalRunsPage(query));

// createEval parses the request itself (createEvalSchema) and names the field of each mistake; here only "a JSON
// object" is required.
const createBody = z.record(z.string(), z.unknown(), { error: "send the evaluation request as a JSON object" });

// POST /api/evals – {datasetVersionId, split?, candidate, baseline, judge?, rubric?, jsonSchema?, generation?,
// concurrency?, limit?, jobId?, sweepCheckpoints?}; 201 with the created runs (several for a checkpoint sweep)
// and the warnings found (e.g. held-out prompts the candidate trained on)
export const POST = route({ body: createBody }, async ({ body }) => {
  const { runIds, warnings } = await createEval(body);
  const runs = await Promise.all(runIds.map((id) => getEvalRunView(id)));
  return created({ runs, warnings });
});
