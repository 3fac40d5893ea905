import { route } from "@/lib/http/route";
import { testOpenAIConnection } from "@/lib/providers/openai/test-connection";

// POST /api/settings/credentials/openai/test – call models.list() with the effective settings;
// { ok, message, latencyMs, modelCount? } (a failed test is a 200 with ok:false — the call itself worked)
export const POST = route({}, () => testOpenAIConnection());
