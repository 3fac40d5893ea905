import { z } from "zod";
import { route } from "@/lib/http/route";
import { jobStreamResponse } from "@/lib/jobs/live/response";

// Live job updates as Server-Sent Events: history after the cursor (?after=<step> or Last-Event-ID), then
// live messages until the job ends. Protocol in lib/jobs/live/stream.ts.

export const dynamic = "force-dynamic";

export const GET = route(
  { params: z.object({ id: z.string().min(1) }), query: z.object({ after: z.string().optional() }) },
  ({ req, params, query }) =>
    jobStreamResponse({ jobId: params.id, lastEventId: req.headers.get("last-event-id"), after: query.after, signal: req.signal }),
);
