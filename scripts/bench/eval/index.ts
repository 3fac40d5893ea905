import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { benchEvalRun } from "./run";
import { benchEvalSummary } from "./summary";

// `npm run bench:eval [-- --only run,scroll,summary] [--samples 1000] [--concurrency 16] [--latency-ms 150] [--no-judge] [--rows 1000]`
// The evaluation targets of issue 7 (run and scroll each on its own scratch database). Prints figures; asserts nothing.
//   run:    a 1,000-sample eval against the emulator with concurrency 16 finishes ≤ 60 s   (run.ts)
//   scroll: the side-by-side view of 1,000 rows scrolls smoothly in Chromium             (scroll.ts)
//   summary: CPU time of summarizing 10,000 samples (what a big run's page and export cost)  (summary.ts)
// The scroll part runs in its own process: it starts the production app and a browser, and its pooled
// connections should not share a process with the run part's worker.

const PARTS = ["run", "scroll", "summary"] as const;
const { values } = parseArgs({
  options: {
    only: { type: "string" },
    samples: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "16" },
    "latency-ms": { type: "string", default: "150" },
    "no-judge": { type: "boolean", default: false },
    rows: { type: "string", default: "1000" },
  },
  strict: true,
});
const only = values.only ? values.only.split(",") : [...PARTS];
const numbers = [values.samples, values.concurrency, values["latency-ms"], values.rows].map(Number);
if (only.some((p) => !(PARTS as readonly string[]).includes(p)) || !numbers.every((n) => Number.isInteger(n) && n >= 0)) {
  console.error(`usage: npm run bench:eval -- [--only ${PARTS.join(",")}] [--samples N] [--concurrency N] [--latency-ms N] [--no-judge] [--rows N]`);
  process.exit(2);
}

let failed = false;
if (only.includes("run")) {
  try {
    await benchEvalRun({ samples: numbers[0], concurrency: numbers[1], latencyMs: numbers[2], judge: !values["no-judge"] });
  } catch (err) {
    console.error(`bench:eval run: ${(err as Error).message}`);
    failed = true;
  }
}
if (only.includes("scroll")) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench/eval/scroll.ts", "--rows", String(numbers[3])], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
if (only.includes("summary")) benchEvalSummary({ samples: 10_000 });
// Exit explicitly: pooled connections would otherwise keep the process alive.
process.exit(failed ? 1 : 0);
