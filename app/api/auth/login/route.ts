import { signIn } from "@/lib/auth/login";
import { authResponse } from "@/lib/auth/respond";
import { loginBody } from "@/lib/auth/schemas";
import { route } from "@/lib/http/route";

// POST /api/auth/login – { password } → session cookie; { authRequired, signedIn }
export const POST = route({ public: true, body: loginBody }, async ({ req, body }) =>
  authResponse(await signIn(req, body.password)),
);
