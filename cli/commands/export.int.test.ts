import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listDatasetsRoute } from "../../app/api/datasets/route";
import { GET as exportRoute } from "../../app/api/datasets/[id]/export/route";
import { prisma } from "../../lib/db/client";
import { dataDir } from "../../lib/env";
import { newExampleRow } from "../../lib/datasets/rows/build";
import { freezeVersion } from "../../lib/datasets/versions/freeze";

// `tuneforge export` as a user runs it (a child process through bin/tuneforge.mjs) against the real route
// handlers served over node:http, on the test database and data directory.

const bin = fileURLToPath(new URL("../../bin/tuneforge.mjs", import.meta.url));
const db = prisma();
const name = `cli-export-${randomUUID()}`;
let datasetId: string;
let server: Server;
let baseUrl: string;
let dir: string;

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Just the two routes the command calls; everything else is a 404 like Next would answer. */
function resolve(pathname: string): { handler: Handler; params: Record<string, string> } | null {
  if (pathname === "/api/datasets") return { handler: listDatasetsRoute, params: {} };
  const m = /^\/api\/datasets\/([^/]+)\/export$/.exec(pathname);
  return m ? { handler: exportRoute, params: { id: decodeURIComponent(m[1]!) } } : null;
}

async function serve(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const found = resolve(url.pathname);
  if (!found) {
    res.writeHead(404).end();
    return;
  }
  const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
  const response = await found.handler(new Request(url, { method: req.method, headers }), { params: Promise.resolve(found.params) });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

function run(args: string[], url = baseUrl): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, "export", ...args], { cwd: dir, env: { ...process.env, TUNEFORGE_URL: url }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

const line = (i: number) => ({ messages: [{ role: "user", content: `question ${i}` }, { role: "assistant", content: `answer ${i}` }] });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tf-cli-export-"));
  const ds = await db.dataset.create({ data: { name } });
  datasetId = ds.id;
  await db.example.createMany({
    data: Array.from({ length: 6 }, (_, i) =>
      newExampleRow({ kind: "chat", example: line(i) }, { datasetId, position: i, split: i % 3 === 2 ? "validation" : "train" }),
    ),
  });
  await freezeVersion(datasetId, "cli test");
  server = createServer((req, res) => {
    serve(req, res).catch((err: Error) => res.writeHead(500).end(err.message));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.delete({ where: { id: datasetId } });
  await rm(path.join(dataDir(), "datasets", datasetId), { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
  await db.$disconnect();
});

describe("tuneforge export", () => {
  it("writes a version's train file byte for byte with -o", async () => {
    const r = await run(["--dataset", name, "--version", "1", "--split", "train", "-o", "train.jsonl"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`4 examples of "${name}" (version 1, train) written to train.jsonl`);
    const version = await db.datasetVersion.findUniqueOrThrow({ where: { datasetId_number: { datasetId, number: 1 } } });
    const written = await readFile(path.join(dir, "train.jsonl"), "utf8");
    expect(written).toBe(await readFile(path.join(dataDir(), version.trainPath), "utf8"));
    expect(written.split("\n").filter(Boolean).map((l) => JSON.parse(l))).toEqual([0, 1, 3, 4].map(line));
  }, 60_000);

  it("prints the working set to standard output", async () => {
    const r = await run(["--dataset", name, "--split", "validation"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${JSON.stringify(line(2))}\n${JSON.stringify(line(5))}\n`);
  }, 60_000);

  it("serves the download as an NDJSON attachment named after the dataset and version", async () => {
    const res = await fetch(`${baseUrl}/api/datasets/${datasetId}/export?version=1&split=all`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${name}-v1-all.jsonl"`);
    expect((await res.text()).split("\n").filter(Boolean)).toHaveLength(6);
    const bad = await fetch(`${baseUrl}/api/datasets/${datasetId}/export?version=9`);
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("Version 9");
  });

  it("exits 1 naming the datasets when the name is unknown, and on an unknown version", async () => {
    const r = await run(["--dataset", "no such dataset"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no dataset named "no such dataset" \(datasets: .*"cli-export-/);
    const v = await run(["--dataset", name, "--version", "5"]);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(`Version 5 of "${name}" not found`);
  }, 60_000);

  it("exits 2 with how to start the server when nothing listens, and on wrong usage", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await run(["--dataset", name], `http://127.0.0.1:${port}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("start the server with npm start");
    const usage = await run(["--dataset", name, "--split", "everything"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--split must be one of train, validation, test, all, not "everything"');
  }, 60_000);
});
