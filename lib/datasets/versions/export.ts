import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { dataDir } from "../../env";
import { badRequest, HttpError, notFound } from "../../http/errors";
import { exampleRecord, type ExportSplit } from "../export";

// Downloads of a version or the working set as OpenAI chat JSONL. A version is streamed straight from its
// frozen files, never re-rendered, so the bytes are the ones its sha256 covers. The working set is read from
// the database in keyset batches, so a large dataset is never held in memory at once.
// "all" = train, then validation (then test, for the working set): for a version that is exactly the byte
// stream its sha256 was computed over.

export type ExportSplitChoice = ExportSplit | "all";
export type ExportSource = number | "working";

export type ExportDownload = { filename: string; body: ReadableStream<Uint8Array> };

const BATCH = 500;

/** "Sample — TechCorp support" → "sample-techcorp-support" (safe in a Content-Disposition filename). */
export function datasetSlug(name: string): string {
  const slug = name
    .normalize("NFKD")
    // Decomposed accents drop away, so "Émile" becomes "emile" rather than "e-mile".
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug || "dataset";
}

export function exportFilename(name: string, source: ExportSource, split: ExportSplitChoice): string {
  return `${datasetSlug(name)}-${source === "working" ? "working" : `v${source}`}-${split}.jsonl`;
}

/** Rows of one split, `(position, id)` keyset pages of BATCH, as JSONL lines. */
async function* workingLines(db: PrismaClient, datasetId: string, split: ExportSplit): AsyncGenerator<string> {
  let after: { position: number; id: string } | null = null;
  for (;;) {
    const page: { id: string; position: number; kind: "chat" | "preference"; messages: unknown; tools: unknown; preference: unknown; extra: unknown }[] =
      await db.example.findMany({
        where: {
          datasetId,
          split,
          ...(after ? { OR: [{ position: { gt: after.position } }, { position: after.position, id: { gt: after.id } }] } : {}),
        },
        orderBy: [{ position: "asc" }, { id: "asc" }],
        take: BATCH,
        select: { id: true, position: true, kind: true, messages: true, tools: true, preference: true, extra: true },
      });
    for (const row of page) yield `${JSON.stringify(exampleRecord(row))}\n`;
    if (page.length < BATCH) return;
    const last = page[page.length - 1]!;
    after = { position: last.position, id: last.id };
  }
}

async function* concat(sources: (() => AsyncIterable<string | Buffer>)[]): AsyncGenerator<Buffer> {
  for (const source of sources) {
    for await (const chunk of source()) yield typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
  }
}

function toWeb(chunks: AsyncIterable<Buffer>): ReadableStream<Uint8Array> {
  return Readable.toWeb(Readable.from(chunks)) as ReadableStream<Uint8Array>;
}

/**
 * Resolves what to send before any byte is sent, so a missing dataset, version or file is a JSON error with a
 * status, not a broken download.
 */
export async function exportDownload(
  input: { datasetId: string; source: ExportSource; split: ExportSplitChoice },
  opts: { db?: PrismaClient; root?: string } = {},
): Promise<ExportDownload> {
  const db = opts.db ?? prisma();
  const dataset = await db.dataset.findUnique({ where: { id: input.datasetId }, select: { id: true, name: true } });
  if (!dataset) throw notFound("Dataset");
  const filename = exportFilename(dataset.name, input.source, input.split);

  if (input.source === "working") {
    const splits: ExportSplit[] = input.split === "all" ? ["train", "validation", "test"] : [input.split];
    return { filename, body: toWeb(concat(splits.map((s) => () => workingLines(db, dataset.id, s)))) };
  }

  const version = await db.datasetVersion.findUnique({ where: { datasetId_number: { datasetId: dataset.id, number: input.source } } });
  if (!version) throw notFound(`Version ${input.source} of "${dataset.name}"`);
  if (input.split === "test") {
    throw badRequest("split: a version holds train and validation only (test examples are held out); choose train, validation or all.");
  }
  const root = opts.root ?? dataDir();
  const rels = input.split === "all" ? [version.trainPath, version.validationPath] : [input.split === "train" ? version.trainPath : version.validationPath];
  const files = rels.filter((r): r is string => r !== null).map((r) => path.join(/*turbopackIgnore: true*/ root, r));
  for (const file of files) {
    const found = await stat(file).catch(() => null);
    if (!found?.isFile()) {
      throw new HttpError(500, "version_file_missing", `The frozen file of version ${version.number} is missing from the data directory (${file}); restore it from a backup.`);
    }
  }
  // A version without validation examples exports an empty validation file: an honest answer, not an error.
  return { filename, body: toWeb(concat(files.map((f) => () => createReadStream(f) as AsyncIterable<Buffer>))) };
}

/** The HTTP response of a download (route handlers return it as is). */
export function downloadResponse(download: ExportDownload): Response {
  return new Response(download.body, {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="${download.filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
