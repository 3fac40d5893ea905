import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

// Test helpers for the import pipeline: the request body an upload route would see, from a real file.

/** A file's bytes as a web ReadableStream, like `req.body` of an upload request. */
export function fileBody(file: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
}

export function bytesBody(bytes: Buffer | string): ReadableStream<Uint8Array> {
  const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(data));
      controller.close();
    },
  });
}
