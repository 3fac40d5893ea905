import { signOut } from "@/lib/auth/login";
import { authResponse } from "@/lib/auth/respond";
import { route } from "@/lib/http/route";

// POST /api/auth/logout – end the session and clear the cookie (works signed out too)
export const POST = route({ public: true }, async ({ req }) => authResponse(await signOut(req)));
