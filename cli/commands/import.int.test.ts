import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../lib/db/client";
import { closeQueues } from "../../lib/queue/queues";
import { createRedis } from "../../lib/redis";
import type { CliContext } from "../command";
import { serveRoutes, type RouteEntry, type RouteServer } from "../testing/route-server";
import { DATASET_IMPORT_ROUTES, startImportWorker } from "../testing/dataset-routes";
import { importCommand, runImport } from "./import";

// `tuneforge import` against the real route handlers (served by node:http, as Next would), a real BullMQ
// worker, Postgres and Redis. Only the HTTP server is small: the handlers are the app's own.

const ROUTES: RouteEntry[] = [
  ...DATASET_IMPORT_ROUTES,
];

const db = createPrismaClient();
const workerRedis = createRedis("bullmq");
let server: RouteServer;
let url: string;
let worker: Worker;
let dir: string;
const names: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tf-cli-import-"));
  server = await serveRoutes(ROUTES);
  url = server.url;
  // The route handlers enqueue under this process's prefix; this worker runs the imports.
  worker = startImportWorker(db, workerRedis);
});

afterAll(async () => {
  await worker.close();
  await server.close();
  await db.dataset.deleteMany({ where: { name: { in: names } } });
  await closeQueues();
  await workerRedis.quit();
  await db.$disconnect();
  await rm(dir, { recursive: true, force: true });
});

function capture(): CliContext & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return { root: process.cwd(), out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

const chat = (i: number) => JSON.stringify({ messages: [{ role: "user", content: `q${i}` }, { role: "assistant", content: `a${i}` }] });
const base = { create: true, skipInvalid: false, split: "train" as const, format: "auto", json: false };

describe("tuneforge import", () => {
  it("refuses a file with a bad line (exit 1, line number, --skip-invalid hint), then imports with --skip-invalid", async () => {
    const name = `cli-${Date.now()}`;
    names.push(name);
    const file = path.join(dir, "cli.jsonl");
    await writeFile(file, [chat(1), chat(2), '{"messages": "nope"}', chat(3)].join("\n"));

    const refused = capture();
    expect(await runImport({ ...base, file, dataset: name, url }, refused)).toBe(1);
    expect(refused.stdout()).toMatch(/line 3: .*"messages" must be a list/);
    expect(refused.stdout()).toMatch(/add --skip-invalid to import the 3 valid lines/);
    expect(refused.stderr()).toMatch(/created dataset/);
    expect(refused.stderr()).toMatch(/uploading cli\.jsonl: .*100%/);
    const ds = await db.dataset.findUniqueOrThrow({ where: { name } });
    expect(await db.example.count({ where: { datasetId: ds.id } })).toBe(0);
    expect((await db.datasetImport.findFirstOrThrow({ where: { datasetId: ds.id } })).status).toBe("cancelled");

    const ok = capture();
    expect(await runImport({ ...base, create: false, skipInvalid: true, file, dataset: name, url }, ok)).toBe(0);
    expect(ok.stdout()).toMatch(/Imported 3 examples; skipped 1 line with errors/);
    expect(await db.example.count({ where: { datasetId: ds.id } })).toBe(3);
  });

  it("imports a CSV with --csv-map, and says how to map one without it", async () => {
    const name = `cli-csv-${Date.now()}`;
    names.push(name);
    const file = path.join(dir, "faq.csv");
    await writeFile(file, "q,a\nhello,hi there\nbye,see you\n");
    const noMap = capture();
    expect(await runImport({ ...base, file, dataset: name, url }, noMap)).toBe(2);
    expect(noMap.stderr()).toMatch(/columns q, a.*\n\s+--csv-map user=q,assistant=a/);
    const ctx = capture();
    expect(await runImport({ ...base, file, dataset: name, url, csvMap: { user: "q", assistant: "a" }, json: true }, ctx)).toBe(0);
    expect(JSON.parse(ctx.stdout())).toMatchObject({ status: "succeeded", imported: 2, format: "csv" });
  });

  it("exits 2 for an unreadable file, a missing dataset and an unreachable server, saying what to do", async () => {
    const binary = path.join(dir, "x.jsonl");
    await writeFile(binary, Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0]));
    const name = `cli-bad-${Date.now()}`;
    names.push(name);
    const bin = capture();
    expect(await runImport({ ...base, file: binary, dataset: name, url }, bin)).toBe(2);
    expect(bin.stdout()).toMatch(/binary file/);

    const missing = capture();
    expect(await runImport({ ...base, create: false, file: binary, dataset: "no such dataset", url }, missing)).toBe(2);
    expect(missing.stderr()).toMatch(/no dataset is named "no such dataset"; add --create/);

    const down = capture();
    expect(await runImport({ ...base, file: binary, dataset: name, url: "http://127.0.0.1:9" }, down)).toBe(2);
    expect(down.stderr()).toMatch(/cannot reach tuneforge at http:\/\/127\.0\.0\.1:9.*npm start/);

    const nofile = capture();
    expect(await importCommand.run([path.join(dir, "absent.jsonl"), "--dataset", name, "--url", url], nofile)).toBe(2);
    expect(nofile.stderr()).toMatch(/absent\.jsonl: no such file/);
  });
});
