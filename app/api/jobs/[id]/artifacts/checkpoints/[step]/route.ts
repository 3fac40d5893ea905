import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { route } from "@/lib/http/route";
import { checkpointDownload, folderDownloadResponse } from "@/lib/artifacts/download";

// One checkpoint folder (adapter + optimizer state) as a .tar.gz.
export const dynamic = "force-dynamic";

const params = z.object({ id: z.string().min(1), step: z.coerce.number().int().nonnegative() });

export const GET = route({ params }, async ({ params }) => folderDownloadResponse(await checkpointDownload(prisma(), params.id, params.step)));
