import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { route } from "@/lib/http/route";
import { liveHub } from "@/lib/jobs/live/hub";
import { sharedCommandClient } from "@/lib/playground/channel";
import { listPlaygroundChoices } from "@/lib/playground/choices";
import { playgroundRequestSchema, playgroundStreamResponse } from "@/lib/playground/request";
import { queues } from "@/lib/queue/queues";

// GET: the base models and fine-tuned jobs to chat with (?job=<id>: that job too, however old). POST: one reply
// streamed as Server-Sent Events (protocol in lib/playground/request.ts; messages start/token/done/error).
export const dynamic = "force-dynamic";

const choicesQuery = z.object({ job: z.string().min(1).max(64).optional() }).strict();

export const GET = route({ query: choicesQuery }, ({ query }) => listPlaygroundChoices(prisma(), { includeJob: query.job }));

export const POST = route({ body: playgroundRequestSchema }, ({ req, body }) =>
  playgroundStreamResponse(
    {
      db: prisma(),
      hub: liveHub(),
      queues: queues(),
      redis: async () => sharedCommandClient(),
      prefix: env().TUNEFORGE_QUEUE_PREFIX,
    },
    body,
    req.signal,
  ),
);
