import os from "node:os";
import { parseArgs } from "node:util";
import { testSettings } from "../../lib/test-env";
import { benchCount } from "./count";
import { benchImport } from "./import";
import { benchPage } from "./page";

// `npm run bench:datasets [-- --rows N] [--only import,count,page]`: the dataset speed targets of issue 4, each
// measured on generated data in its own scratch database (names end in _bench…; never the app's database).
// Prints figures; asserts nothing (benches stay out of `npm test`).
//   import to visible ≤ 10 s on 2 cores, import RSS ≤ 500 MB       (scripts/bench/datasets/import.ts)
//   token counts for all ≤ 20 s                                     (scripts/bench/datasets/count.ts)
//   a table page (50 rows, any sort/filter) p95 ≤ 50 ms at 100k rows (scripts/bench/datasets/page.ts)

const PARTS = ["import", "count", "page"] as const;

const { values } = parseArgs({ options: { rows: { type: "string" }, only: { type: "string" } }, strict: true });
const rows = values.rows ? Number(values.rows) : 100_000;
if (!Number.isInteger(rows) || rows < 10) {
  console.error("--rows must be an integer ≥ 10");
  process.exit(2);
}
const only = values.only ? values.only.split(",") : [...PARTS];
const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) {
  console.error(`unknown part(s): ${unknown.join(", ")}; choose from ${PARTS.join(", ")}`);
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
log(`dataset benches: ${rows.toLocaleString("en-US")} examples; ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const summary: string[] = [];

if (only.includes("import")) {
  log("\n── import ──");
  const r = await benchImport({ rows, log });
  summary.push(`import to visible ${r.visibleSeconds.toFixed(1)} s (≤ 10 s) on cores ${r.cores}, peak RSS ${r.peakRssMB.toFixed(0)} MB (≤ 500 MB)`);
}
if (only.includes("count")) {
  log("\n── token counts and analysis ──");
  const r = await benchCount({ rows, log });
  summary.push(`token counts for all ${(r.countMs / 1000).toFixed(1)} s (≤ 20 s), whole analysis ${(r.analysisMs / 1000).toFixed(1)} s`);
}
if (only.includes("page")) {
  log("\n── table page ──");
  const figures = await benchPage({ databaseUrl: testSettings().databaseUrl, rows, out: log });
  const worst = figures.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  summary.push(`table page worst p95 ${worst.p95.toFixed(1)} ms (≤ 50 ms) over ${figures.length} sort/filter cases ("${worst.name}")`);
}

log("\n── summary ──");
for (const line of summary) log(line);
process.exit(0);
