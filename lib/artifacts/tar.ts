import fs from "node:fs";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type { FolderFile } from "./paths";

// A .tar.gz of a folder, streamed: POSIX ustar headers written here (no dependency), each file read in
// chunks, gzip on top. Entries are `<rootName>/<path>` so the archive unpacks into one folder.
// Sizes past ustar's 11 octal digits (8 GiB, a merged model's shard can be that big) use the GNU base-256
// form that GNU tar, bsdtar and Python's tarfile all read.

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function writeSize(header: Buffer, size: number): void {
  if (size < 8 ** 11) {
    header.write(octal(size, 12), 124, 12, "ascii");
    return;
  }
  // base-256: first byte 0x80, then the big-endian value in the remaining 11 bytes.
  header[124] = 0x80;
  let v = BigInt(size);
  for (let i = 135; i > 124; i--) {
    header[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Splits a path into ustar's prefix (≤155) + name (≤100) at a '/', or throws for one that cannot fit. */
function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
  for (let i = name.lastIndexOf("/"); i > 0; i = name.lastIndexOf("/", i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { prefix, name: rest };
  }
  throw new Error(`tar: the path "${name}" is too long for a ustar archive`);
}

export function tarHeader(entry: { name: string; size: number; mode: number; mtimeMs: number; type: "file" | "dir" }): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitName(entry.name);
  h.write(name, 0, 100, "utf8");
  h.write(octal(entry.mode, 8), 100, 8, "ascii");
  h.write(octal(0, 8), 108, 8, "ascii"); // uid
  h.write(octal(0, 8), 116, 8, "ascii"); // gid
  writeSize(h, entry.type === "dir" ? 0 : entry.size);
  h.write(octal(Math.floor(entry.mtimeMs / 1000), 12), 136, 12, "ascii");
  h.fill(" ", 148, 156); // checksum is computed with its own field as spaces
  h.write(entry.type === "dir" ? "5" : "0", 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

async function* tarChunks(rootName: string, files: FolderFile[]): AsyncGenerator<Buffer> {
  const now = Date.now();
  const dirs = new Set<string>([rootName]);
  for (const f of files) {
    const parts = f.rel.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${rootName}/${parts.slice(0, i).join("/")}`);
  }
  for (const d of [...dirs].sort()) yield tarHeader({ name: `${d}/`, size: 0, mode: 0o755, mtimeMs: now, type: "dir" });
  for (const f of files) {
    yield tarHeader({ name: `${rootName}/${f.rel}`, size: f.size, mode: f.mode || 0o644, mtimeMs: f.mtimeMs, type: "file" });
    let written = 0;
    for await (const chunk of fs.createReadStream(f.abs)) {
      const buf = chunk as Buffer;
      // A file that grew since it was listed: the header already promised `size` bytes.
      const take = Math.min(buf.length, f.size - written);
      if (take > 0) yield take === buf.length ? buf : buf.subarray(0, take);
      written += take;
    }
    if (written < f.size) throw new Error(`tar: ${f.rel} shrank while it was being archived`);
    const pad = (BLOCK - (f.size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad, 0);
  }
  yield Buffer.alloc(BLOCK * 2, 0); // end-of-archive marker
}

/** The gzip-compressed tar of `files` as a web stream (what a Response body takes). */
export function tarGzStream(rootName: string, files: FolderFile[]): ReadableStream<Uint8Array> {
  const gzip = createGzip({ level: 6 });
  const source = Readable.from(tarChunks(rootName, files));
  source.on("error", (err) => gzip.destroy(err));
  source.pipe(gzip);
  return Readable.toWeb(gzip) as unknown as ReadableStream<Uint8Array>;
}
