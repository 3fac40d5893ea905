import { z } from "zod";
import { route } from "@/lib/http/route";
import { listEvalSamples, MAX_SAMPLES_PAGE } from "@/lib/eval/samples";

const params = z.object({ id: z.string().min(1) });
const query = z
  .object({
    after: z.coerce.number({ error: "must be a sample index" }).int("must be a whole number").min(-1, "must be -1 or more").optional(),
    limit: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, `must be 1 to ${MAX_SAMPLES_PAGE}`)
      .max(MAX_SAMPLES_PAGE, `must be 1 to ${MAX_SAMPLES_PAGE}`)
      .optional(),
  })
  .strict();

// GET /api/evals/[id]/samples?after=<index>&limit=<n> – samples in index order; `next` is the `after` of the next page
export const GET = route({ params, query }, async ({ params, query }) => listEvalSamples(params.id, query));
