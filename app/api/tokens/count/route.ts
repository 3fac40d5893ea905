import { countEditorTokens, tokenCountShape } from "@/lib/datasets/edit";
import { route } from "@/lib/http/route";

// POST /api/tokens/count – tokens of a chat example and of each message, against the model's per-example limit
export const POST = route({ body: tokenCountShape }, async ({ body }) => countEditorTokens({ input: body }));
