import { parseArgs } from "node:util";
import { requestStaleAnalyses } from "../lib/datasets/analysis/reconcile";
import { disconnectPrisma, prisma } from "../lib/db/client";
import { env } from "../lib/env";
import { describeGemms, gemmsHint } from "../lib/health/gpu-words";
import { errorMessage } from "../lib/health/timeout";
import { isQueueName, type QueueName } from "../lib/queue/contracts";
import { redactRedisUrl } from "../lib/redis";
import { loadNativeAddon } from "../native/index";
import { detectGpuWorkerDevice } from "../lib/jobs/local/device";
import type { WorkerDevice } from "../lib/workers/heartbeat";
import { GPU_QUEUES, consumableQueues, gpuQueues } from "./processors";
import { startWorkerProcess, type WorkerProcess } from "./runtime";

// Worker process entry: `tsx workers/main.ts [--queues system,...] [--gpu]`. Starts the consumers this version
// has processors for, and on SIGTERM/SIGINT stops taking jobs, removes its heartbeat and exits 0.
// `--gpu` is a GPU worker: the GPU queues (gpu-jobs, inference), concurrency 1, on the device
// TUNEFORGE_GPU_DEVICE (one process per GPU); its heartbeat lists the device (or the CPU without CUDA).

function parseQueues(argv: string[]): { queues: QueueName[] | undefined; gpu: boolean } {
  const { values } = parseArgs({ args: argv, options: { queues: { type: "string" }, gpu: { type: "boolean", default: false } }, strict: true });
  if (!values.queues) return { queues: values.gpu ? gpuQueues() : undefined, gpu: values.gpu };
  const names = values.queues.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !isQueueName(n));
  if (bad.length) throw new Error(`Unknown queue(s): ${bad.join(", ")}. Consumable here: ${consumableQueues().join(", ")}`);
  return { queues: names as QueueName[], gpu: values.gpu || names.some((n) => GPU_QUEUES.includes(n as QueueName)) };
}

/** A GPU worker's device: pinned before anything loads CUDA, then described for the heartbeat. */
function gpuDevices(e: ReturnType<typeof env>): WorkerDevice[] {
  // The one device this process may use is device 0 inside it; the addon never sees the others.
  if (e.TUNEFORGE_GPU_DEVICE !== undefined) process.env.CUDA_VISIBLE_DEVICES = String(e.TUNEFORGE_GPU_DEVICE);
  let addon = null;
  try {
    addon = loadNativeAddon();
  } catch (err) {
    console.error(`[worker] ${errorMessage(err)}`);
  }
  const { devices, backend, cpuBecause } = detectGpuWorkerDevice({ backend: e.TUNEFORGE_LOCAL_BACKEND, device: e.TUNEFORGE_GPU_DEVICE }, addon);
  const gemms = devices[0]?.gemms;
  console.log(
    `[worker] GPU worker on ${devices.map((d) => d.name).join(", ")} (${backend} backend${cpuBecause ? `: no usable GPU, ${cpuBecause}` : ""}` +
      `${gemms ? `; GEMMs: ${describeGemms(gemms)}` : ""})`,
  );
  const hint = gemmsHint({ cudaDevices: devices, cudaGemms: gemms });
  if (hint) console.warn(`[worker] ${hint}`);
  return devices;
}

async function main(): Promise<void> {
  const e = env();
  const { queues, gpu } = parseQueues(process.argv.slice(2));

  // Signals are handled from the start: the heartbeat is visible before startWorkerProcess returns, so a SIGTERM
  // can arrive while it is still starting; it then shuts down as soon as the process is up.
  let proc: WorkerProcess | null = null;
  let signalled = false;
  const close = (p: WorkerProcess) =>
    p
      .close()
      .then(() => disconnectPrisma())
      .then(() => process.exit(0))
      .catch((err: Error) => {
        console.error(`[worker] error while shutting down: ${err.message}`);
        process.exit(1);
      });
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C means "now": skip the grace period.
      console.error(`[worker] ${signal} again; exiting immediately`);
      process.exit(1);
    }
    signalled = true;
    console.log(`[worker] ${signal}: finishing current jobs and shutting down`);
    if (proc) void close(proc);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  try {
    const devices = gpu ? gpuDevices(e) : undefined;
    proc = await startWorkerProcess({ db: prisma(), redisUrl: e.REDIS_URL, prefix: e.TUNEFORGE_QUEUE_PREFIX, queues, ...(devices ? { devices } : {}) });
  } catch (err) {
    console.error(`[worker] could not start (Redis ${redactRedisUrl(e.REDIS_URL)}, database from DATABASE_URL): ${errorMessage(err)}`);
    await disconnectPrisma();
    process.exit(1);
  }
  if (signalled) {
    void close(proc);
    return;
  }

  // Datasets changed while no worker ran (and the sample dataset, created unanalysed) get analysed now (by the
  // workers that analyse; a GPU worker leaves that to them).
  if (!gpu) requestStaleAnalyses({ db: prisma() })
    .then((stale) => stale.length && console.log(`[worker] requested analysis of ${stale.length} dataset(s) not analysed at their latest revision`))
    .catch((err: Error) => console.error(`[worker] could not request stale dataset analyses: ${err.message}`));
}

main().catch((err: Error) => {
  console.error(`[worker] ${err.message}`);
  process.exit(1);
});
