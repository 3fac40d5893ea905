import { readFileSync } from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { prisma } from "../db/client";
import { messageShape } from "../datasets/edit/shape";
import { dataDir } from "../env";
import { HttpError } from "../http/errors";
import { readChatJsonl } from "../tokenizer/jsonl";
import { pairSequences, parsePreferenceJsonl } from "../tokenizer/preference";
import { chatTokenizerFor } from "./chat-cache";
import { previewExample, type PreviewMessage, type TokenPreview } from "./preview";
import { resolveModelDir } from "./resolve";
import { describeModel } from "./scan";

// POST /api/models/[name]/preview: the token-level preview of typed messages or of a stored example.

export const previewRequestSchema = z
  .strictObject({
    messages: z.array(messageShape, { error: "messages must be a list of messages" }).min(1, "messages: give at least one message").max(5_000).optional(),
    tools: z.array(z.record(z.string(), z.unknown()), { error: "tools must be a JSON array" }).nullable().optional(),
    exampleId: z.string().min(1).optional(),
    /** An example of a frozen version by its 1-based line in the split's JSONL (the launch form's preview). */
    versionExample: z
      .strictObject({ datasetVersionId: z.string().min(1), split: z.enum(["train", "validation"]).default("train"), line: z.number().int().min(1, "line is 1-based").default(1) })
      .optional(),
    maxSeqLen: z.number({ error: "maxSeqLen must be a whole number" }).int("maxSeqLen must be a whole number").min(2, "maxSeqLen must be at least 2").max(1 << 20).optional(),
  })
  .refine((b) => [b.messages, b.exampleId, b.versionExample].filter((x) => x !== undefined).length === 1, { message: "send exactly one of messages, exampleId or versionExample", path: ["messages"] });
export type PreviewRequest = z.infer<typeof previewRequestSchema>;

export type ModelPreview = TokenPreview & {
  model: string;
  example: { id: string; datasetId: string } | null;
  /** Set for a versionExample: which line of how many. */
  versionLine: { line: number; of: number; split: "train" | "validation" } | null;
  contextLength: number | null;
};

type DpoOutputs = { preferred_output?: unknown };

async function storedExample(id: string, db: PrismaClient): Promise<{ messages: PreviewMessage[]; tools?: unknown[]; datasetId: string }> {
  const row = await db.example.findUnique({ where: { id }, select: { messages: true, tools: true, preference: true, datasetId: true } });
  if (!row) throw new HttpError(404, "not_found", `Example ${id} not found; it may have been deleted.`);
  const messages = (Array.isArray(row.messages) ? row.messages : []) as PreviewMessage[];
  // A preference pair trains the preferred answer after the prompt: preview that conversation.
  const preferred = (row.preference as DpoOutputs | null)?.preferred_output;
  return { messages: Array.isArray(preferred) ? [...messages, ...(preferred as PreviewMessage[])] : messages, tools: Array.isArray(row.tools) ? (row.tools as unknown[]) : undefined, datasetId: row.datasetId };
}

async function frozenExample(ref: NonNullable<PreviewRequest["versionExample"]>, db: PrismaClient, dataRoot: string) {
  const version = await db.datasetVersion.findUnique({ where: { id: ref.datasetVersionId }, select: { trainPath: true, validationPath: true, hasPreference: true } });
  if (!version) throw new HttpError(404, "not_found", `Dataset version ${ref.datasetVersionId} not found.`);
  const rel = ref.split === "train" ? version.trainPath : version.validationPath;
  if (!rel) throw new HttpError(400, "no_validation_split", "This version has no validation split.");
  const root = path.resolve(dataRoot);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep)) throw new HttpError(400, "dataset_file_outside_data_dir", `The version's file "${rel}" points outside the data directory.`);
  let examples: { line: number; messages: unknown[]; tools?: unknown[] }[];
  try {
    // A preference version trains (DPO) on the prompt followed by each answer: preview the preferred one, with the
    // prompt's own assistant turns as untrained context, as the trainer sees it.
    examples = version.hasPreference
      ? parsePreferenceJsonl(readFileSync(file, "utf8"), file).map((p) => ({ ...pairSequences(p)[0], line: p.line }))
      : readChatJsonl(file);
  } catch (err) {
    throw new HttpError(400, "dataset_file", (err as Error).message);
  }
  const found = examples.find((e) => e.line === ref.line);
  const of = examples.at(-1)?.line ?? 0;
  if (!found) throw new HttpError(400, "line_out_of_range", `versionExample.line: the ${ref.split} split has lines 1 to ${of}; pick one of them.`);
  return { messages: found.messages as PreviewMessage[], tools: found.tools, line: { line: ref.line, of, split: ref.split } };
}

export async function previewForModel(opts: { name: string; body: PreviewRequest; db?: PrismaClient; modelsRoot?: string; dataRoot?: string }): Promise<ModelPreview> {
  const resolved = resolveModelDir(opts.name, { root: opts.modelsRoot });
  const details = await describeModel(resolved);
  // Default: the model's context length (what the trainer clamps to), else the seed's 2048.
  const maxSeqLen = Math.min(opts.body.maxSeqLen ?? details.contextLength ?? 2048, details.contextLength ?? Infinity);
  let chat;
  try {
    chat = chatTokenizerFor(resolved.dir);
  } catch (err) {
    throw new HttpError(400, "model_tokenizer", `${resolved.name}: ${(err as Error).message}`);
  }
  const db = opts.db ?? prisma();
  const source = opts.body.exampleId ? await storedExample(opts.body.exampleId, db) : null;
  const frozen = opts.body.versionExample ? await frozenExample(opts.body.versionExample, db, opts.dataRoot ?? dataDir()) : null;
  const messages = source?.messages ?? frozen?.messages ?? (opts.body.messages as PreviewMessage[]);
  const tools = source?.tools ?? frozen?.tools ?? opts.body.tools ?? undefined;
  if (messages.length === 0) throw new HttpError(400, "empty_example", "The example has no messages to preview.");
  let preview: TokenPreview;
  try {
    preview = previewExample(chat, { messages, tools }, maxSeqLen);
  } catch (err) {
    // Template errors (a rewriting template, a template that rejects a role) are the data's or the model's to fix.
    throw new HttpError(400, "template_error", (err as Error).message);
  }
  return { ...preview, model: resolved.name, example: source && opts.body.exampleId ? { id: opts.body.exampleId, datasetId: source.datasetId } : null, versionLine: frozen?.line ?? null, contextLength: details.contextLength };
}
