import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { route } from "@/lib/http/route";
import { folderDownloadResponse, mergedDownload } from "@/lib/artifacts/download";

// A ready artifact folder (a merged model) as a .tar.gz.
export const dynamic = "force-dynamic";

export const GET = route({ params: z.object({ id: z.string().min(1) }) }, async ({ params }) => folderDownloadResponse(await mergedDownload(prisma(), params.id)));
