import { z } from "zod";
import { route } from "@/lib/http/route";
import { cancelEval } from "@/lib/eval/cancel";

const params = z.object({ id: z.string().min(1) });

// POST /api/evals/[id]/cancel – stop a queued or running eval (its worker stops between samples and keeps
// the samples already done); 409 when the run already finished, 404 when there is none.
export const POST = route({ params }, async ({ params }) => {
  await cancelEval(params.id);
  return { id: params.id, status: "cancelled" as const };
});
