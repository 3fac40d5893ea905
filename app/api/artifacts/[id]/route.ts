import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { route } from "@/lib/http/route";
import { getArtifact } from "@/lib/artifacts/merge-export";

// One artifact's status (a merged-model export is polled here while pending/running).
export const dynamic = "force-dynamic";

export const GET = route({ params: z.object({ id: z.string().min(1) }) }, ({ params }) => getArtifact(prisma(), params.id));
