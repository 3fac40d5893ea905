import { env } from "../env";
import { probeRedis } from "../health/services";
import { memoryTargets, type MemoryTarget } from "./fit";
import { resolveModelDir } from "./resolve";
import { describeModel, scanModels, type LocalModel, type ModelScan } from "./scan";

// What GET /api/models and GET /api/models/[name] answer: the models with their details, and the memory
// the online workers report (each GPU, each host's RAM), so the page can say what fits where.

export type WorkerMemory = { targets: MemoryTarget[]; /** false when Redis could not be read. */ workersKnown: boolean };

/** Redis down is not an error for the Models page: it still lists models, and says the workers are unknown. */
export async function workerMemory(opts: { redisUrl?: string; prefix?: string } = {}): Promise<WorkerMemory> {
  const probe = await probeRedis({ url: opts.redisUrl ?? env().REDIS_URL, prefix: opts.prefix ?? env().TUNEFORGE_QUEUE_PREFIX, timeoutMs: 2_000 });
  return { targets: memoryTargets(probe.workers ?? []), workersKnown: probe.workers !== null };
}

export type ModelsOverview = ModelScan & WorkerMemory;

export async function listModels(opts: { dir?: string; redisUrl?: string; prefix?: string } = {}): Promise<ModelsOverview> {
  const [scan, memory] = await Promise.all([scanModels({ dir: opts.dir }), workerMemory(opts)]);
  return { ...scan, ...memory };
}

export type ModelDetails = { model: LocalModel } & WorkerMemory;

/** One model by a user-given name, confined to the models directory. */
export async function modelDetails(name: string, opts: { root?: string; redisUrl?: string; prefix?: string } = {}): Promise<ModelDetails> {
  const resolved = resolveModelDir(name, { root: opts.root });
  const [model, memory] = await Promise.all([describeModel(resolved), workerMemory(opts)]);
  return { model, ...memory };
}
