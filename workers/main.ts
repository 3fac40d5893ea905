import { parseArgs } from "node:util";
import { requestStaleAnalyses } from "../lib/datasets/analysis/reconcile";
import { disconnectPrisma, prisma } from "../lib/db/client";
import { env } from "../lib/env";
import { errorMessage } from "../lib/health/timeout";
import { isQueueName, type QueueName } from "../lib/queue/contracts";
import { redactRedisUrl } from "../lib/redis";
import { consumableQueues } from "./processors";
import { startWorkerProcess, type WorkerProcess } from "./runtime";

// Worker process entry: `tsx workers/main.ts [--queues system,...]`. Starts the consumers this version
// has processors for, and on SIGTERM/SIGINT stops taking jobs, removes its heartbeat and exits 0.

function parseQueues(argv: string[]): QueueName[] | undefined {
  const { values } = parseArgs({ args: argv, options: { queues: { type: "string" } }, strict: true });
  if (!values.queues) return undefined;
  const names = values.queues.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !isQueueName(n));
  if (bad.length) throw new Error(`Unknown queue(s): ${bad.join(", ")}. Consumable here: ${consumableQueues().join(", ")}`);
  return names as QueueName[];
}

async function main(): Promise<void> {
  const e = env();
  const queues = parseQueues(process.argv.slice(2));
  let proc: WorkerProcess;
  try {
    proc = await startWorkerProcess({ db: prisma(), redisUrl: e.REDIS_URL, prefix: e.TUNEFORGE_QUEUE_PREFIX, queues });
  } catch (err) {
    console.error(`[worker] could not start (Redis ${redactRedisUrl(e.REDIS_URL)}, database from DATABASE_URL): ${errorMessage(err)}`);
    await disconnectPrisma();
    process.exit(1);
  }

  // Datasets changed while no worker ran (and the sample dataset, created unanalysed) get analysed now.
  requestStaleAnalyses({ db: prisma() })
    .then((stale) => stale.length && console.log(`[worker] requested analysis of ${stale.length} dataset(s) not analysed at their latest revision`))
    .catch((err: Error) => console.error(`[worker] could not request stale dataset analyses: ${err.message}`));

  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C means "now": skip the grace period.
      console.error(`[worker] ${signal} again; exiting immediately`);
      process.exit(1);
    }
    signalled = true;
    console.log(`[worker] ${signal}: finishing current jobs and shutting down`);
    proc
      .close()
      .then(() => disconnectPrisma())
      .then(() => process.exit(0))
      .catch((err: Error) => {
        console.error(`[worker] error while shutting down: ${err.message}`);
        process.exit(1);
      });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err: Error) => {
  console.error(`[worker] ${err.message}`);
  process.exit(1);
});
