import fs from "node:fs";

// Streaming JSONL reader for datasets of any size: splits on "\n" at the byte level and decodes each line on
// its own, so memory stays at one line (plus one read chunk) however large the file, and a bad byte sequence
// is reported with the line it sits on instead of being silently replaced by U+FFFD.

/** A file that cannot be read as text at all: the CLI exits 2 on these. */
export class JsonlFileError extends Error {
  constructor(
    readonly code: "not_found" | "is_directory" | "unreadable" | "binary_file" | "line_too_long",
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = "JsonlFileError";
  }
}

export type JsonlLine =
  | { line: number; text: string }
  /** The line's bytes are not valid UTF-8; reading goes on with the next line. */
  | { line: number; text: null; error: { code: "invalid_utf8"; message: string } };

export type ReadJsonlOptions = {
  /** Longest line accepted, in bytes (default 64 MiB: a 10 MB example with images inlined still fits). */
  maxLineBytes?: number;
  /** Read size; small values let tests exercise lines that straddle chunks. */
  highWaterMark?: number;
};

// Like git and grep: a NUL byte near the start means the file is not text (an image, a zip, UTF-16).
const BINARY_SNIFF_BYTES = 8000;
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

async function checkFile(file: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new JsonlFileError("not_found", `${file}: no such file`);
    throw new JsonlFileError("unreadable", `${file}: cannot read (${(err as Error).message})`);
  }
  if (stat.isDirectory()) throw new JsonlFileError("is_directory", `${file} is a directory; pass a .jsonl file`);
}

function binaryMessage(file: string, head: Buffer): string {
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  return utf16
    ? `${file} is UTF-16 text; save it as UTF-8 (one JSON object per line)`
    : `${file} looks like a binary file (it contains NUL bytes), not JSONL text`;
}

/**
 * Yields every line of a JSONL file with its 1-based number, including blank ones (callers decide whether
 * those matter). Strips a UTF-8 byte-order mark and the "\r" of CRLF line ends. A final "\n" does not start
 * another line. Throws JsonlFileError before yielding anything when the file is missing, a directory or binary.
 */
export async function* readJsonlLines(file: string, opts: ReadJsonlOptions = {}): AsyncGenerator<JsonlLine> {
  await checkFile(file);
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const stream = fs.createReadStream(file, { highWaterMark: opts.highWaterMark ?? 1024 * 1024 });
  let parts: Buffer[] = [];
  let partBytes = 0;
  let sniffed = 0;
  let head: Buffer | null = null;
  let line = 0;

  const finish = (bytes: Buffer): JsonlLine => {
    line += 1;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end -= 1;
    try {
      // ignoreBOM: false drops a leading byte-order mark (Windows editors write one on line 1).
      return { line, text: decoder.decode(bytes.subarray(0, end)) };
    } catch {
      const at = firstInvalidUtf8(bytes.subarray(0, end));
      return {
        line,
        text: null,
        error: { code: "invalid_utf8", message: `line ${line}: bytes are not valid UTF-8 (first bad byte at column ${at + 1}); save the file as UTF-8` },
      };
    }
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (sniffed < BINARY_SNIFF_BYTES) {
        const look = chunk.subarray(0, BINARY_SNIFF_BYTES - sniffed);
        head ??= Buffer.from(chunk.subarray(0, 2));
        if (look.includes(0)) throw new JsonlFileError("binary_file", binaryMessage(file, head));
        sniffed += look.length;
      }
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        const bytes = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
        parts = [];
        partBytes = 0;
        if (bytes.length > maxLineBytes) throw tooLong(file, line + 1, maxLineBytes);
        yield finish(bytes);
        start = nl + 1;
      }
      if (start < chunk.length) {
        // Copy: the stream may reuse its buffer for the next chunk.
        parts.push(Buffer.from(chunk.subarray(start)));
        partBytes += chunk.length - start;
        if (partBytes > maxLineBytes) throw tooLong(file, line + 1, maxLineBytes);
      }
    }
    if (parts.length > 0) yield finish(Buffer.concat(parts));
  } catch (err) {
    if (err instanceof JsonlFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new JsonlFileError("is_directory", `${file} is a directory; pass a .jsonl file`);
    throw new JsonlFileError("unreadable", `${file}: cannot read (${(err as Error).message})`);
  } finally {
    stream.destroy();
  }
}

function tooLong(file: string, line: number, max: number): JsonlFileError {
  return new JsonlFileError("line_too_long", `${file} line ${line} is longer than ${max} bytes; is this really JSONL?`, line);
}

/** Index of the first byte where a valid UTF-8 sequence cannot start or continue (for the error message). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return Math.max(0, bytes.length - 1);
}
