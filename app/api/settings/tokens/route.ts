import { createApiToken, listApiTokens } from "@/lib/auth/tokens";
import { route } from "@/lib/http/route";
import { createTokenBody } from "@/lib/settings/schemas";

export const dynamic = "force-dynamic";

// GET /api/settings/tokens – active API tokens (name, prefix, dates; never the token)
export const GET = route({}, () => listApiTokens());

// POST /api/settings/tokens – create a token; the response is the only time it is shown
export const POST = route({ body: createTokenBody }, async ({ body }) => {
  const created = await createApiToken(body);
  return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
});
