import { z } from "zod";
import { route } from "@/lib/http/route";
import { loadJobView } from "@/lib/jobs/view";

const params = z.object({ id: z.string().min(1) });

// GET /api/jobs/[id] – the job with every metric point, event and checkpoint
export const GET = route({ params }, async ({ params }) => ({ job: await loadJobView(params.id) }));
