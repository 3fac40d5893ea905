import { z } from "zod";
import { evalStreamResponse } from "@/lib/eval/stream";
import { route } from "@/lib/http/route";

// Live progress of one evaluation as Server-Sent Events (`event: progress`, data = counts and status); the
// stream ends once the run has finished. Protocol in lib/eval/stream.ts.

export const dynamic = "force-dynamic";

export const GET = route({ params: z.object({ id: z.string().min(1) }) }, ({ req, params }) => evalStreamResponse({ evalRunId: params.id, signal: req.signal }));
