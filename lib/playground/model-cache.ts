import { loadNativeAddon, type Backend, type NativeAddon, type NativeModel } from "../../native/index";
import { env, type Env } from "../env";

// The inference worker keeps base models loaded between playground requests: loading reads every weight
// from disk, generating a short reply takes a fraction of that. One model per name, and only the most recent
// few names, so switching models does not hold every model ever used in memory. A model is cached per backend
// too: a reply moved to the CPU while a training run holds the GPU (lib/workers/device-share.ts) must not be
// served by the device copy, nor the next reply after the run by the CPU copy. Adapters are not cached here: they
// are passed per call (GenerateOptions.adapterDir) and the trainer caches them itself.

const MAX_MODELS = 2;

/** Where playground and evaluation models run: the GPU worker's own settings, as for its training jobs. */
export type ModelPlacement = { backend: Backend; threads: number };

export function workerPlacement(e: Env = env()): ModelPlacement {
  return { backend: e.TUNEFORGE_LOCAL_BACKEND, threads: e.TUNEFORGE_LOCAL_THREADS };
}

type Entry = { dir: string; model: Promise<NativeModel> };
const loaded = new Map<string, Entry>();
const keyOf = (name: string, backend: Backend) => `${name}\0${backend}`;

/** Whether `name` from `dir` is loaded (or loading) on `backend`: a reply then needs no memory for its weights. */
export function isModelCached(name: string, dir: string, backend: Backend): boolean {
  return loaded.get(keyOf(name, backend))?.dir === dir;
}

export async function cachedModel(
  name: string,
  dir: string,
  addon: () => NativeAddon = () => loadNativeAddon(),
  placement: ModelPlacement = workerPlacement(),
): Promise<NativeModel> {
  const key = keyOf(name, placement.backend);
  const hit = loaded.get(key);
  if (hit && hit.dir === dir) {
    // Most recently used last.
    loaded.delete(key);
    loaded.set(key, hit);
    const model = await hit.model;
    if (!model.closed) return model;
  }
  // TUNEFORGE_LOCAL_BACKEND=cpu keeps the device free for other work: generation must not take it either.
  const entry: Entry = { dir, model: addon().loadModel({ modelDir: dir, quant: "none", backend: placement.backend, threads: placement.threads }) };
  loaded.set(key, entry);
  entry.model.catch(() => loaded.get(key) === entry && loaded.delete(key));
  while (loaded.size > MAX_MODELS) {
    const [oldest, old] = loaded.entries().next().value as [string, Entry];
    loaded.delete(oldest);
    void old.model.then((m) => !m.busy && !m.closed && m.close()).catch(() => undefined);
  }
  return entry.model;
}

/**
 * Frees the cached models no reply is using, and says how many. A GPU worker calls it before a training run or a
 * merge: a cached base model holds its weights on the device, which the job may need (an 8B model in bf16 is 16 GB),
 * and a host copy in RAM; the next playground request loads it again. A model still generating stays; it is
 * evicted later. `only` frees one side: "device" keeps the models on the CPU backend (a run on the device does not
 * need their RAM, and a reply moved to the CPU may be about to use one), "cpu" frees the CPU copies replies used
 * while a run held the device.
 */
export async function releaseIdleModels(opts: { only?: "device" | "cpu" } = {}): Promise<number> {
  let released = 0;
  for (const [key, entry] of [...loaded.entries()]) {
    const m = await entry.model.catch(() => null);
    if (m && m.busy) continue;
    // What a model runs on is its own backend ("auto" is the CPU on a machine without a device). A failed or
    // closed one only leaves the cache.
    const onCpu = m && !m.closed ? m.info().backend === "cpu" : null;
    if ((opts.only === "device" && onCpu === true) || (opts.only === "cpu" && onCpu === false)) continue;
    if (loaded.get(key) === entry) loaded.delete(key);
    if (m && !m.closed) {
      m.close();
      released += 1;
    }
  }
  return released;
}

/** Frees every cached model (worker shutdown, tests). */
export async function closeCachedModels(): Promise<void> {
  const entries = [...loaded.values()];
  loaded.clear();
  for (const e of entries) {
    const m = await e.model.catch(() => null);
    if (m && !m.closed) {
      m.cancel();
      try {
        m.close();
      } catch {
        // still finishing an operation; the process is going away anyway
      }
    }
  }
}
