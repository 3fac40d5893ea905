import { route } from "@/lib/http/route";
import { getCredentialView } from "@/lib/settings/credentials";

export const dynamic = "force-dynamic";

// GET /api/settings/credentials – masked view of provider credentials (never the key itself)
export const GET = route({}, () => getCredentialView());
