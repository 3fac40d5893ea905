import { z } from "zod";
import { listImports } from "@/lib/datasets/import/manage";
import { stageUpload } from "@/lib/datasets/import/stage";
import { IMPORT_FORMATS } from "@/lib/datasets/import/types";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1) });
const uploadQuery = z.object({
  fileName: z.string().min(1, "pass the file's name, e.g. ?fileName=support.jsonl"),
  format: z.enum(IMPORT_FORMATS).default("auto"),
  skipInvalid: z.enum(["0", "1", "true", "false"]).default("0").transform((v) => v === "1" || v === "true"),
  split: z.enum(["train", "validation"]).default("train"),
});

// POST /api/datasets/[id]/imports?fileName=…&format=…&skipInvalid=0|1&split=… – the raw file is the body;
// streamed to disk (no body schema, so route() leaves the stream unread), then queued for the worker
export const POST = route({ params, query: uploadQuery }, async ({ params, query, req }) => {
  const { fileName, ...options } = query;
  const length = req.headers.get("content-length");
  return { import: await stageUpload({ datasetId: params.id, fileName, options, body: req.body, expectedBytes: length ? Number(length) : undefined }) };
});

// GET /api/datasets/[id]/imports – latest imports of the dataset, newest first (without reports)
export const GET = route({ params }, async ({ params }) => ({ imports: await listImports({ datasetId: params.id }) }));
