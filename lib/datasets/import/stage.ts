import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { dataDir } from "../../env";
import { HttpError, notFound } from "../../http/errors";
import { queues as defaultQueues, type QueueSet } from "../../queue/queues";
import { removeStagedFile } from "./run";
import type { ImportOptions, ImportView } from "./types";
import { importView } from "./view";

// Step one of an import: the request body streams straight to <data dir>/imports/<id>/upload (never held in
// memory, whatever its size), then the `datasets.import` job is queued. The DatasetImport row exists from the
// first byte, so an upload that breaks off is recorded as failed instead of vanishing.

export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

class TooLarge extends Error {}

export type StageInput = {
  datasetId: string;
  fileName: string;
  options: ImportOptions;
  body: ReadableStream<Uint8Array> | null;
  db?: PrismaClient;
  queues?: QueueSet;
  maxBytes?: number;
  /** The request's Content-Length, when it had one: a body that ends short of it was cut off on the way. */
  expectedBytes?: number;
};

/** A file name safe to show and to use in `source` ("name.jsonl:12"): no directories, no control characters. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  return base.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, 200);
}

export async function stageUpload(input: StageInput): Promise<ImportView> {
  const db = input.db ?? prisma();
  const maxBytes = input.maxBytes ?? MAX_UPLOAD_BYTES;
  const fileName = cleanFileName(input.fileName);
  if (!fileName) throw new HttpError(400, "bad_request", "fileName is empty; pass the uploaded file's name, e.g. ?fileName=support.jsonl");
  const dataset = await db.dataset.findUnique({ where: { id: input.datasetId }, select: { id: true } });
  if (!dataset) throw notFound("Dataset");
  if (!input.body) throw new HttpError(400, "empty_upload", `${fileName}: the request has no body; send the file's bytes as the request body`);

  const row = await db.datasetImport.create({ data: { datasetId: dataset.id, fileName, options: input.options, status: "uploading" } });
  const stagedPath = path.join("imports", row.id, "upload");
  const target = path.join(dataDir(), stagedPath);
  let bytes = 0;
  try {
    await mkdir(path.dirname(target), { recursive: true });
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > maxBytes) done(new TooLarge());
        else done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(input.body as unknown as WebReadableStream<Uint8Array>), count, createWriteStream(target));
  } catch (err) {
    await removeStagedFile(stagedPath);
    const tooLarge = err instanceof TooLarge;
    const message = tooLarge
      ? `${fileName} is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB, the most one import accepts; split it into smaller files and import each`
      : `The upload of ${fileName} broke off after ${bytes} bytes (${(err as Error).message}); upload it again`;
    await db.datasetImport.update({ where: { id: row.id }, data: { status: "failed", bytes, error: message, finishedAt: new Date() } });
    throw new HttpError(tooLarge ? 413 : 400, tooLarge ? "file_too_large" : "upload_failed", message, { importId: row.id });
  }

  if (input.expectedBytes !== undefined && bytes !== input.expectedBytes) {
    await removeStagedFile(stagedPath);
    const message = `The upload of ${fileName} arrived incomplete (${bytes} of ${input.expectedBytes} bytes); nothing was imported. Upload it again`;
    await db.datasetImport.update({ where: { id: row.id }, data: { status: "failed", bytes, error: message, finishedAt: new Date() } });
    throw new HttpError(400, "upload_incomplete", message, { importId: row.id });
  }

  if (bytes === 0) {
    await removeStagedFile(stagedPath);
    const failed = await db.datasetImport.update({
      where: { id: row.id },
      data: { status: "failed", error: `${fileName} is empty (0 bytes); choose a file with one example per line`, finishedAt: new Date() },
    });
    return importView(failed);
  }

  const staged = await db.datasetImport.update({ where: { id: row.id }, data: { status: "importing", bytes, stagedPath } });
  try {
    await (input.queues ?? defaultQueues()).enqueue("datasets", "datasets.import", { importId: row.id });
  } catch (err) {
    await removeStagedFile(stagedPath);
    const message = `The file was received but the import could not be queued (${(err as Error).message}); check that Redis is running and upload again`;
    await db.datasetImport.update({ where: { id: row.id }, data: { status: "failed", stagedPath: null, error: message, finishedAt: new Date() } });
    throw new HttpError(503, "queue_unavailable", message, { importId: row.id });
  }
  return importView(staged);
}
