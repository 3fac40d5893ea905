import { z } from "zod";
import { downloadResponse, exportDownload } from "@/lib/datasets/versions/export";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });
const query = z.object({
  version: z.union([z.literal("working"), z.coerce.number().int().positive()], { error: 'a version number or "working"' }).default("working"),
  split: z.enum(["train", "validation", "test", "all"], { error: "one of train, validation, test, all" }).default("all"),
});

// GET /api/datasets/[id]/export?version=3|working&split=train|validation|test|all – OpenAI chat JSONL download
export const GET = route({ params, query }, async ({ params, query }) =>
  downloadResponse(await exportDownload({ datasetId: params.id, source: query.version, split: query.split })),
);
