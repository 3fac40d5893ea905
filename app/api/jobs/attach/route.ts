import { z } from "zod";
import { created, route } from "@/lib/http/route";
import { attachRemoteJob } from "@/lib/jobs/attach";

const body = z.object({ remoteJobId: z.string({ error: "is required, e.g. ftjob-abc123" }).trim().min(1, "is required, e.g. ftjob-abc123") }).strict();

// POST /api/jobs/attach {remoteJobId} – follow an OpenAI job launched elsewhere; answers 201 and the JobView
export const POST = route({ body }, async ({ body }) => created({ job: await attachRemoteJob(body.remoteJobId) }));
