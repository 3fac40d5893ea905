import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { route } from "@/lib/http/route";
import { adapterDownload, folderDownloadResponse } from "@/lib/artifacts/download";

// The job's PEFT adapter folder as a .tar.gz.
export const dynamic = "force-dynamic";

export const GET = route({ params: z.object({ id: z.string().min(1) }) }, async ({ params }) => folderDownloadResponse(await adapterDownload(prisma(), params.id)));
