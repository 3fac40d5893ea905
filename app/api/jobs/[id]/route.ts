import { z } from "zod";
import { route } from "@/lib/http/route";
import { deleteJob } from "@/lib/jobs/delete";
import { setJobNote } from "@/lib/jobs/note";
import { loadJobView } from "@/lib/jobs/view";

const params = z.object({ id: z.string().min(1) });

// GET /api/jobs/[id] – the job with every metric point, event and checkpoint
export const GET = route({ params }, async ({ params }) => ({ job: await loadJobView(params.id) }));

// DELETE /api/jobs/[id] – the job, its series and (local) its files; 409 while it or an evaluation of it runs.
// Answers {deleted: {id, provider, note}}; an OpenAI job's note says its fine-tuned model is still on OpenAI.
export const DELETE = route({ params }, async ({ params }) => ({ deleted: await deleteJob(params.id) }));

// PATCH /api/jobs/[id] – {note}: the team's note on the job ("" clears it); answers {job} (the summary)
const patchBody = z.record(z.string(), z.unknown(), { error: "send {note} as a JSON object" });
export const PATCH = route({ params, body: patchBody }, async ({ params, body }) => ({ job: await setJobNote(params.id, body) }));
