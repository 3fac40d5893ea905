import { z } from "zod";
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { relaunchDraft } from "@/lib/jobs/launch/relaunch";

const params = z.object({ id: z.string().min(1) });

// GET /api/jobs/[id]/relaunch – the job's settings as the next launch's starting point ("Launch again";
// `tuneforge jobs create --from ID`). Nothing is launched.
export const GET = route({ params }, async ({ params }) => {
  const draft = await relaunchDraft(params.id);
  if (!draft) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${params.id}`);
  return { draft };
});
