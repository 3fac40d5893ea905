import { z } from "zod";
import { route } from "@/lib/http/route";
import { previewForModel, previewRequestSchema } from "@/lib/models/preview-request";

const params = z.object({ name: z.string().min(1) });

// POST /api/models/[name]/preview – token-level preview of {messages} or {exampleId} with the model's chat template
export const POST = route({ params, body: previewRequestSchema }, async ({ params, body }) => ({ preview: await previewForModel({ name: params.name, body }) }));
