import path from "node:path";
import { env } from "../../lib/env";
import { parseCommandOptions } from "../args";
import type { Command } from "../command";

// tuneforge doctor [--json] – checks what tuneforge needs; exit 0 when node, database and Redis are fine.
export const doctorCommand: Command = {
  name: "doctor",
  summary: "check Node, database, Redis, workers, native addon, Chromium and the models directory",
  usage: [
    "Usage: tuneforge doctor [--json]",
    "",
    "Checks Node.js, the database (reachable, migrations applied), Redis, workers online, the native",
    "addon (built, which backends), Chromium (for e2e tests) and the models directory.",
    "Exit code 0 when the essential checks (node, database, redis) pass, 1 otherwise.",
    "",
    "Options:",
    "  --json  print the report as JSON: { ok, checks: { node, database, redis, workers, native, chromium, modelsDir } }",
    "",
    "Uses DATABASE_URL, REDIS_URL, TUNEFORGE_QUEUE_PREFIX and TUNEFORGE_MODELS_DIR like the server does.",
    "",
  ].join("\n"),
  async run(args, ctx) {
    const { values } = parseCommandOptions("doctor", args, { json: { type: "boolean", default: false } });
    const e = env();
    // Loaded on use: Prisma and BullMQ take a while to import, and `tuneforge --help` needs neither.
    const [{ runDoctor }, { formatDoctor }] = await Promise.all([import("../doctor/checks"), import("../doctor/format")]);
    const report = await runDoctor({
      root: ctx.root,
      databaseUrl: e.DATABASE_URL,
      redisUrl: e.REDIS_URL,
      prefix: e.TUNEFORGE_QUEUE_PREFIX,
      // The server runs from the repository root, so a relative models dir means the same folder here.
      modelsDir: path.resolve(ctx.root, e.TUNEFORGE_MODELS_DIR),
    });
    ctx.out(values.json ? JSON.stringify(report, null, 2) + "\n" : formatDoctor(report));
    return report.ok ? 0 : 1;
  },
};
