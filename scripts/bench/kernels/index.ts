import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { promisify } from "node:util";
import { type PtxasResources, type PtxCounts, parsePtxasVerbose, parsePtxCounts, shortKernelName } from "./ptx-stats";

// `npm run bench:kernels [-- --arch sm_90a|sm_80] [--only attention,nf4] [--json] [--baseline FILE]`
// Static figures of every CUDA kernel in native/cuda, from nvcc alone (no GPU needed): ptxas's registers, spills
// and static shared memory, and PTX instruction counts (total, mma, exp2, global loads and stores with how many
// are 16-byte, constant-memory loads, 64-bit divisions). They show what a change does to a kernel's code on a
// machine without a GPU; speed itself is native/gpu/check.sh's, on one. `--json > FILE` saves the figures;
// `--baseline FILE` prints each changed figure as before→after (e.g. run it on a stash of the old code first).
// Same flags as the CMake build's nvcc (-O3, C++17), one architecture at a time (default sm_90a, the H100/H200's).

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
const CUDA_DIR = path.join(ROOT, "native/cuda");

const { values: a } = parseArgs({
  options: {
    arch: { type: "string", default: "sm_90a" },
    only: { type: "string" },
    json: { type: "boolean", default: false },
    baseline: { type: "string" },
  },
});

type KernelFigures = { file: string; kernel: string } & PtxasResources & PtxCounts;

async function findNvcc(): Promise<string> {
  for (const candidate of [process.env.NVCC, "nvcc", "/usr/local/cuda/bin/nvcc"].filter(Boolean) as string[]) {
    try {
      await run(candidate, ["--version"]);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error("nvcc not found (set NVCC, or put CUDA's bin folder on PATH); the kernels' figures come from it");
}

async function figuresOf(nvcc: string, file: string, tmp: string): Promise<KernelFigures[]> {
  const base = path.join(tmp, path.basename(file, ".cu"));
  const includes = [CUDA_DIR, path.join(ROOT, "native/src"), path.join(ROOT, "native")].flatMap((dir) => ["-I", dir]);
  const flags = ["-std=c++17", "-O3", `-arch=${a.arch}`, ...includes];
  const cubin = await run(nvcc, [...flags, "-cubin", "-Xptxas", "-v", "-o", `${base}.cubin`, file], {
    maxBuffer: 16 << 20,
  });
  await run(nvcc, [...flags, "-ptx", "-o", `${base}.ptx`, file], { maxBuffer: 16 << 20 });
  const resources = parsePtxasVerbose(cubin.stderr);
  const counts = parsePtxCounts(fs.readFileSync(`${base}.ptx`, "utf8"));
  return [...counts.entries()].map(([mangled, c]) => ({
    file: path.basename(file),
    kernel: mangled,
    ...(resources.get(mangled) ?? { registers: 0, spillStores: 0, spillLoads: 0, stack: 0, sharedStatic: 0 }),
    ...c,
  }));
}

async function demangle(rows: KernelFigures[]): Promise<void> {
  if (!rows.length) return;
  try {
    const { stdout } = await run("c++filt", rows.map((r) => r.kernel));
    stdout
      .trimEnd()
      .split("\n")
      .forEach((name, i) => (rows[i]!.kernel = shortKernelName(name)));
  } catch {
    // no c++filt: the mangled names stay (still unique)
  }
}

// Runs fn over items, `limit` at a time, keeping the input order in the result.
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const COLUMNS: [keyof KernelFigures, string][] = [
  ["registers", "regs"],
  ["spillStores", "spill st B"],
  ["spillLoads", "spill ld B"],
  ["sharedStatic", "smem B"],
  ["total", "PTX instrs"],
  ["mma", "mma"],
  ["ex2", "ex2"],
  ["globalLoads", "gld"],
  ["globalLoadsV4", "gld 16B"],
  ["globalStores", "gst"],
  ["globalStoresV4", "gst 16B"],
  ["constLoads", "const ld"],
  ["div64", "div64"],
];

function table(rows: KernelFigures[], baseline: Map<string, KernelFigures>): string {
  const header = ["file", "kernel", ...COLUMNS.map(([, h]) => h)];
  const body = rows.map((r) => {
    const before = baseline.get(`${r.file} ${r.kernel}`);
    return [
      r.file,
      r.kernel,
      ...COLUMNS.map(([k]) => {
        const now = String(r[k]);
        return before && before[k] !== r[k] ? `${before[k]}→${now}` : now;
      }),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...body.map(line)].join("\n");
}

async function main(): Promise<number> {
  const nvcc = await findNvcc();
  const only = a.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const files = fs
    .readdirSync(CUDA_DIR)
    .filter((f) => f.endsWith(".cu") && (!only || only.some((o) => f.includes(o))))
    .sort()
    .map((f) => path.join(CUDA_DIR, f));
  if (!files.length) throw new Error(`no .cu file in native/cuda matches --only ${a.only}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tf-bench-kernels-"));
  const started = Date.now();
  try {
    const rows = (await mapLimited(files, os.cpus().length, (f) => figuresOf(nvcc, f, tmp))).flat();
    await demangle(rows);
    if (a.json) {
      process.stdout.write(`${JSON.stringify({ arch: a.arch, kernels: rows }, null, 1)}\n`);
      return 0;
    }
    const baseline = new Map<string, KernelFigures>();
    if (a.baseline) {
      const saved = JSON.parse(fs.readFileSync(a.baseline, "utf8")) as { arch: string; kernels: KernelFigures[] };
      if (saved.arch !== a.arch) throw new Error(`--baseline ${a.baseline} is for ${saved.arch}, not ${a.arch}`);
      for (const k of saved.kernels) baseline.set(`${k.file} ${k.kernel}`, k);
    }
    process.stdout.write(
      `kernels of native/cuda for ${a.arch}: ${rows.length} in ${files.length} files` +
        ` (static figures from nvcc, ${((Date.now() - started) / 1000).toFixed(1)} s)` +
        (a.baseline ? `; changed figures as ${a.baseline}→now` : "") +
        "\n\n" +
        table(rows, baseline) +
        "\n",
    );
    return 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`bench:kernels: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
