import { z } from "zod";
import { created, route } from "@/lib/http/route";
import { launchAnyJob } from "@/lib/jobs/launch/dispatch";
import { listJobsPage } from "@/lib/jobs/list";
import { JOB_STATUSES as STATUSES, type JobStatusName } from "@/lib/jobs/types";


const listQuery = z
  .object({
    status: z
      .string()
      .optional()
      .transform((s, ctx) => {
        const list = (s ?? "").split(",").map((x) => x.trim()).filter(Boolean);
        const unknown = list.filter((x) => !(STATUSES as readonly string[]).includes(x));
        if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown status ${unknown.map((u) => `"${u}"`).join(", ")}; use ${STATUSES.join(", ")}` });
        return list as JobStatusName[];
      }),
    provider: z.enum(["openai", "local"], { error: "must be openai or local" }).optional(),
    model: z.string().trim().min(1).optional(),
    datasetId: z.string().min(1).optional(),
    limit: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1 to 1000").max(1000, "must be 1 to 1000").optional(),
    before: z.string().min(1).optional(),
  })
  .strict();

// GET /api/jobs?status=running,queued&provider=openai&model=4o-mini&datasetId=…&limit=50&before=… – newest first:
// { jobs, total, newer, older }; `older` (null on the last page) is the next page's `before`.
export const GET = route({ query: listQuery }, async ({ query }) => await listJobsPage(query));

// Each provider parses its own request (lib/jobs/launch/request.ts, lib/jobs/local/config.ts) and answers
// mistakes as issues; here only "a JSON object" is required.
const launchBody = z.record(z.string(), z.unknown(), { error: "send the launch request as a JSON object" });

// POST /api/jobs – launch: {provider:"openai", datasetVersionId, baseModel, method?, hyperparameters?, suffix?, seed?}
// or {provider:"local", datasetVersionId, baseModel (a models-dir folder), config:{lora, quantization, training}};
// every blocking issue (data, key, model, settings) answers 4xx with details.issues; on success 201 and the JobView
export const POST = route({ body: launchBody }, async ({ body }) => created({ job: await launchAnyJob(body) }));
