import { revokeApiToken } from "@/lib/auth/tokens";
import { route } from "@/lib/http/route";
import { tokenParams } from "@/lib/settings/schemas";

// DELETE /api/settings/tokens/[id] – revoke a token (refused from now on)
export const DELETE = route({ params: tokenParams }, async ({ params }) => {
  await revokeApiToken(params.id);
  return { revoked: true };
});
