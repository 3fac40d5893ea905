import type { AuthResult } from "./login";

/** JSON response for the auth routes, carrying the session cookie change when there is one. */
export function authResponse(result: AuthResult): Response {
  const headers = new Headers({ "Cache-Control": "no-store" });
  if (result.setCookie) headers.append("Set-Cookie", result.setCookie);
  return Response.json(result.body, { headers });
}
