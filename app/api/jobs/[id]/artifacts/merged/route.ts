import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { created, route } from "@/lib/http/route";
import { createMergeExport } from "@/lib/artifacts/merge-export";
import { queues } from "@/lib/queue/queues";

// "Export merged model": 201 with the new pending artifact, or 200 with the export already in flight.
export const dynamic = "force-dynamic";

export const POST = route({ params: z.object({ id: z.string().min(1) }) }, async ({ params }) => {
  const r = await createMergeExport(prisma(), queues(), params.id);
  return r.created ? created(r.artifact) : r.artifact;
});
