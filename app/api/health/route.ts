import { NextResponse } from "next/server";
import { checkHealth } from "@/lib/health";
import { route } from "@/lib/http/route";

// Checked on every request, never cached or prerendered.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET /api/health – database, Redis, workers, native addon and queue counts. Public so monitors and the
// status indicator work before sign-in. 200 whatever is down (the body says what), 503 only without a
// database, since nothing works then.
export const GET = route({ public: true }, async () => {
  const report = await checkHealth();
  return NextResponse.json(report, { status: report.database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
});
