import { authRequired } from "../env";
import { HttpError } from "../http/errors";

export type AuthContext = { kind: "loopback" } | { kind: "session"; sessionId: string } | { kind: "token"; tokenId: string };

/**
 * Decides whether a request may proceed. On loopback no sign-in is needed.
 * Beyond loopback: a session cookie or a Bearer API token (lib/auth owns both).
 */
export async function authenticateRequest(_req: Request): Promise<AuthContext> {
  if (!authRequired()) return { kind: "loopback" };
  throw new HttpError(401, "unauthorized", "Sign in or send an API token (Authorization: Bearer …)");
}
