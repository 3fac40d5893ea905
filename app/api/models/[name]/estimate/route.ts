import { z } from "zod";
import { route } from "@/lib/http/route";
import { estimateLocalTraining, localEstimateRequestSchema } from "@/lib/models/local-estimate";

const params = z.object({ name: z.string().min(1) });

// POST /api/models/[name]/estimate – tokens per epoch (model's tokenizer), steps, memory and fit for a local job
export const POST = route({ params, body: localEstimateRequestSchema }, async ({ params, body }) => ({ estimate: await estimateLocalTraining({ name: params.name, request: body }) }));
