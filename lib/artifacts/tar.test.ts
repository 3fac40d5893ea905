import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { listFolderFiles } from "./paths";
import { tarGzStream, tarHeader } from "./tar";

// The ustar writer against the system tar: nested folders, an empty file, a path longer than ustar's
// 100-byte name field (split into prefix + name), a size past the 8 GiB octal limit (base-256), checksums.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tar-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("tarGzStream", () => {
  it("writes an archive tar unpacks to the same files and modes", async () => {
    const src = path.join(tmp, "src");
    const deep = path.join(src, "a".repeat(60), "b".repeat(60));
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(src, "config.json"), '{"r": 8}');
    fs.writeFileSync(path.join(src, "empty.bin"), "");
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    fs.writeFileSync(path.join(deep, `${"c".repeat(80)}.safetensors`), big);
    fs.chmodSync(path.join(src, "config.json"), 0o600);

    const file = path.join(tmp, "out.tar.gz");
    fs.writeFileSync(file, Buffer.from(await new Response(tarGzStream("my-adapter", listFolderFiles(src))).arrayBuffer()));
    const out = path.join(tmp, "out");
    fs.mkdirSync(out);
    execFileSync("tar", ["-xzf", file, "-C", out]);
    const root = path.join(out, "my-adapter");
    for (const f of listFolderFiles(src)) {
      expect(fs.readFileSync(path.join(root, f.rel)).equals(fs.readFileSync(f.abs)), f.rel).toBe(true);
    }
    expect(fs.statSync(path.join(root, "config.json")).mode & 0o777).toBe(0o600);
    expect(listFolderFiles(root).map((f) => f.rel)).toEqual(listFolderFiles(src).map((f) => f.rel));
  });

  it("encodes sizes past 8 GiB in base-256 and keeps a valid checksum", async () => {
    const size = 9 * 1024 ** 3 + 5;
    const h = tarHeader({ name: "huge.safetensors", size, mode: 0o644, mtimeMs: 0, type: "file" });
    expect(h[124]).toBe(0x80);
    let v = 0n;
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(h[i]!);
    expect(Number(v)).toBe(size);
    const stored = parseInt(h.subarray(148, 154).toString("ascii"), 8);
    const copy = Buffer.from(h);
    copy.fill(" ", 148, 156);
    expect(stored).toBe(copy.reduce((s, b) => s + b, 0));
  });

  it("refuses a path that no ustar split can hold", () => {
    expect(() => tarHeader({ name: "x".repeat(120), size: 0, mode: 0o644, mtimeMs: 0, type: "file" })).toThrow(/too long for a ustar archive/);
  });

  it("skips links in the folder (they could point outside the data directory)", async () => {
    const src = path.join(tmp, "links");
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, "real.txt"), "ok");
    fs.symlinkSync("/etc/hostname", path.join(src, "escape.txt"));
    expect(listFolderFiles(src).map((f) => f.rel)).toEqual(["real.txt"]);
    // The stream is a plain web stream that Node can also consume.
    const chunks: Buffer[] = [];
    for await (const c of Readable.fromWeb(tarGzStream("links", listFolderFiles(src)) as never)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).length).toBeGreaterThan(20);
  });
});
