import { sessionStatus } from "@/lib/auth/login";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

// GET /api/auth/session – { authRequired, signedIn } (public: the sign-in page and shell ask it)
export const GET = route({ public: true }, async ({ req }) => sessionStatus(req));
