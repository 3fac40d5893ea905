import { z } from "zod";
import { route } from "@/lib/http/route";
import { requestCancel } from "@/lib/jobs/cancel";

const params = z.object({ id: z.string().min(1) });

// POST /api/jobs/[id]/cancel – ask the worker to cancel; 409 when the job already finished
export const POST = route({ params }, async ({ params }) => ({ job: await requestCancel(params.id) }));
