import type { IncomingMessage } from "node:http";
import { EmulatorError } from "./errors";

// Request bodies, read with node built-ins only: JSON for most routes and multipart/form-data for
// POST /v1/files (the SDK streams that itself with a "openai-…" boundary).

const MAX_BODY = 64 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new EmulatorError(413, "Request body too large for the emulator.");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString("utf8");
  if (raw.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to OpenAI's wording for an unparsable body
  }
  throw new EmulatorError(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)");
}

export type FormPart = { name: string; filename?: string; contentType?: string; data: Buffer };

/** Splits a multipart/form-data body into parts; header values are taken as the SDK writes them. */
export function parseMultipart(body: Buffer, contentType: string | undefined): FormPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  if (!contentType?.toLowerCase().startsWith("multipart/form-data") || !m) {
    throw new EmulatorError(400, "Expected a multipart/form-data request body.");
  }
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break; // closing delimiter
    const headerEnd = body.indexOf("\r\n\r\n", start);
    const next = body.indexOf(delimiter, start);
    if (headerEnd === -1 || next === -1) throw new EmulatorError(400, "Malformed multipart body.");
    const headers = body.subarray(start + 2, headerEnd).toString("utf8");
    const data = body.subarray(headerEnd + 4, next - 2); // drop the CRLF that precedes the delimiter
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) {
      parts.push({
        name,
        filename: /filename="([^"]*)"/i.exec(headers)?.[1],
        contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1],
        data,
      });
    }
    pos = next;
  }
  return parts;
}
