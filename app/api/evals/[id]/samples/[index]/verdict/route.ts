import { z } from "zod";
import { route } from "@/lib/http/route";
import { HUMAN_VERDICTS, setHumanVerdict } from "@/lib/eval/override";

const params = z.object({
  id: z.string().min(1),
  index: z.coerce.number({ error: "must be a sample index" }).int("must be a whole number").min(0, "must be 0 or more"),
});
const body = z
  .object({
    verdict: z.enum(HUMAN_VERDICTS, { error: 'must be "candidate", "baseline", "tie" or null (null clears the override)' }).nullable(),
  })
  .strict();

// PUT /api/evals/[id]/samples/[index]/verdict {verdict: "candidate"|"baseline"|"tie"|null} – a person's override,
// stored apart from the judge's verdict; answers the sample and the recomputed summary
export const PUT = route({ params, body }, async ({ params, body }) => setHumanVerdict(params.id, params.index, body.verdict));
