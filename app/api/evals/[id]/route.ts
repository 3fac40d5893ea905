import { z } from "zod";
import { route } from "@/lib/http/route";
import { deleteEvalRun } from "@/lib/eval/delete";
import { getEvalRunView } from "@/lib/eval/view";

const params = z.object({ id: z.string().min(1) });

// GET /api/evals/[id] – the run with its settings, progress counts and summary (samples: …/samples)
export const GET = route({ params }, async ({ params }) => ({ run: await getEvalRunView(params.id) }));

// DELETE /api/evals/[id] – the run and its samples; 409 while it is queued or running (cancel first)
export const DELETE = route({ params }, async ({ params }) => ({ deleted: await deleteEvalRun(params.id) }));
