import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateDatasetFile } from "./generate";

// Import bench: a generated JSONL (100,000 examples, ~50 MB by default) goes through the real pipeline
// (stageUpload → runDatasetImport: convert, validate, insert, commit) into a fresh database, in a child
// process pinned to two cores with `taskset -c 0,1`. Prints seconds until the rows are committed (visible in
// the table), rows/s and the importing process's peak RSS.
//   npx tsx scripts/bench/datasets/import.ts [--rows N] [--file F] [--cores 0,1]

export type ImportBenchResult = {
  rows: number;
  fileMB: number;
  stageSeconds: number;
  importSeconds: number;
  /** Upload staged + job run: from first byte to rows visible. */
  visibleSeconds: number;
  rowsPerSecond: number;
  peakRssMB: number;
  cores: string;
};

const SELF = fileURLToPath(import.meta.url);

function benchDatabaseUrl(): string {
  // recreateDatabase refuses names without "test", so the bench database is always a test one.
  const base = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge_test";
  const url = new URL(base);
  url.pathname = `${url.pathname}_bench_import`;
  return url.toString();
}

export async function benchImport(opts: { rows?: number; file?: string; cores?: string; log?: (line: string) => void } = {}): Promise<ImportBenchResult> {
  const log = opts.log ?? ((l) => process.stdout.write(`${l}\n`));
  const rows = opts.rows ?? 100_000;
  const work = await mkdtemp(path.join(os.tmpdir(), "tf-bench-import-"));
  try {
    const file = opts.file ?? path.join(work, `bench-${rows}.jsonl`);
    if (!opts.file) await generateDatasetFile(file, rows);
    const { recreateDatabase, migrateDeploy } = await import("../../lib/database");
    const databaseUrl = benchDatabaseUrl();
    await recreateDatabase(databaseUrl);
    await migrateDeploy(databaseUrl, { quiet: true });
    const cores = opts.cores ?? "0,1";
    const hasTaskset = existsSync("/usr/bin/taskset") || existsSync("/bin/taskset");
    const tsx = path.resolve("node_modules/.bin/tsx");
    const [cmd, args] = hasTaskset ? ["taskset", ["-c", cores, tsx, SELF, "--child", file]] : [tsx, [SELF, "--child", file]];
    const env = {
      ...process.env,
      NODE_ENV: "production" as const,
      DATABASE_URL: databaseUrl,
      TUNEFORGE_DATA_DIR: path.join(work, "data"),
      TUNEFORGE_QUEUE_PREFIX: `tf-bench-import-${process.pid}`,
    };
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(cmd, args as string[], { env, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`import bench child exited ${code}: ${out}`))));
    });
    const child = JSON.parse(output.trim().split("\n").pop()!) as Omit<ImportBenchResult, "fileMB" | "cores">;
    const result: ImportBenchResult = { ...child, fileMB: (await stat(file)).size / 1e6, cores: hasTaskset ? cores : `all ${os.cpus().length} (no taskset)` };
    log(`import bench: ${result.rows} rows, ${result.fileMB.toFixed(1)} MB, cores ${result.cores}`);
    log(`  staged upload   ${result.stageSeconds.toFixed(2)} s`);
    log(`  import job      ${result.importSeconds.toFixed(2)} s`);
    log(`  to visible      ${result.visibleSeconds.toFixed(2)} s   (target ≤ 10 s for 100k)`);
    log(`  rows/s          ${Math.round(result.rowsPerSecond)}`);
    log(`  peak RSS        ${result.peakRssMB.toFixed(0)} MB   (target ≤ 500 MB)`);
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Peak resident set of this process in MB (VmHWM; maxRSS where /proc is absent). */
function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** The measured part, in the pinned child: stage the file as an upload would, run the import job. */
async function child(file: string): Promise<void> {
  const { createPrismaClient } = await import("../../../lib/db/client");
  const { createDataset } = await import("../../../lib/datasets/create");
  const { stageUpload } = await import("../../../lib/datasets/import/stage");
  const { runDatasetImport } = await import("../../../lib/datasets/import/run");
  const { fileBody } = await import("../../../lib/datasets/import/testing");
  const { createQueueSet } = await import("../../../lib/queue/queues");
  const db = createPrismaClient();
  const queues = createQueueSet();
  try {
    const dataset = await createDataset({ name: `bench-${Date.now()}`, db });
    const t0 = performance.now();
    const staged = await stageUpload({ datasetId: dataset.id, fileName: path.basename(file), options: { format: "auto", skipInvalid: false, split: "train" }, body: fileBody(file), db, queues });
    const t1 = performance.now();
    await runDatasetImport({ db, importId: staged.id, queues });
    const t2 = performance.now();
    const done = await db.datasetImport.findUniqueOrThrow({ where: { id: staged.id } });
    if (done.status !== "succeeded") throw new Error(`import ended ${done.status}: ${done.error ?? JSON.stringify(done.report).slice(0, 500)}`);
    const visible = await db.example.count({ where: { datasetId: dataset.id } });
    await queues.get("datasets").obliterate({ force: true });
    const importSeconds = (t2 - t1) / 1000;
    process.stdout.write(
      JSON.stringify({ rows: visible, stageSeconds: (t1 - t0) / 1000, importSeconds, visibleSeconds: (t2 - t0) / 1000, rowsPerSecond: visible / ((t2 - t0) / 1000), peakRssMB: peakRssMB() }) + "\n",
    );
  } finally {
    await queues.close();
    await db.$disconnect();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv[0] === "--child") {
    await child(argv[1]!);
  } else {
    await benchImport({ rows: flag("--rows") ? Number(flag("--rows")) : undefined, file: flag("--file"), cores: flag("--cores") });
  }
}
