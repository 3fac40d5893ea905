import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { route } from "@/lib/http/route";
import { listJobArtifacts } from "@/lib/artifacts/list";

// A job's files: adapter (size, sha256), checkpoints, merged-model exports with their status.
export const dynamic = "force-dynamic";

export const GET = route({ params: z.object({ id: z.string().min(1) }) }, ({ params }) => listJobArtifacts(prisma(), params.id));
