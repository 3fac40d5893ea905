import { loadNativeAddon, type Backend, type NativeAddon, type NativeModel } from "../../native/index";
import { env, type Env } from "../env";
import type { DeviceModel } from "../workers/device-share";

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

/**
 * A cached model and who uses it. `users` counts the callers between asking for the model and finishing with it:
 * a model with users is never closed by eviction or release (it is closed when the last one leaves, if it was
 * evicted meanwhile), so a model cannot be closed between a caller getting it and starting to generate.
 * `turn` chains the callers' operations: a loaded model runs one operation at a time and refuses a second one, so a
 * playground reply that arrives during an evaluation's batch on the same base model waits for the batch instead of
 * failing with the native "cannot start generate while generate is running".
 */
type Entry = { dir: string; model: Promise<NativeModel>; users: number; turn: Promise<void>; evicted: boolean };
const loaded = new Map<string, Entry>();
const keyOf = (name: string, backend: Backend) => `${name}\0${backend}`;

/** Whether `name` from `dir` is loaded (or loading) on `backend`: a reply then needs no memory for its weights. */
export function isModelCached(name: string, dir: string, backend: Backend): boolean {
  return loaded.get(keyOf(name, backend))?.dir === dir;
}

function entryFor(name: string, dir: string, addon: () => NativeAddon, placement: ModelPlacement): Entry {
  const key = keyOf(name, placement.backend);
  const hit = loaded.get(key);
  if (hit && hit.dir === dir) {
    // Most recently used last.
    loaded.delete(key);
    loaded.set(key, hit);
    return hit;
  }
  // TUNEFORGE_LOCAL_BACKEND=cpu keeps the device free for other work: generation must not take it either.
  const model = addon().loadModel({ modelDir: dir, quant: "none", backend: placement.backend, threads: placement.threads });
  const entry: Entry = { dir, model, users: 0, turn: Promise.resolve(), evicted: false };
  loaded.set(key, entry);
  model.catch(() => loaded.get(key) === entry && loaded.delete(key));
  while (loaded.size > MAX_MODELS) {
    const [oldest, old] = loaded.entries().next().value as [string, Entry];
    loaded.delete(oldest);
    old.evicted = true;
    if (old.users === 0) void closeWhenLoaded(old);
  }
  return entry;
}

async function closeWhenLoaded(entry: Entry): Promise<boolean> {
  const m = await entry.model.catch(() => null);
  if (!m || m.closed || m.busy) return false;
  m.close();
  return true;
}

/** Thrown by withCachedModel when its signal aborts while the caller still waits for its turn on the model. */
export class ModelWaitAborted extends Error {
  constructor(name: string) {
    super(`stopped while waiting for ${name}`);
  }
}

/**
 * Runs `use` with the cached model `name` (loading it from `dir` where `placement` says), one caller's operation at
 * a time per model, in arrival order. `onWait` hears when the model is busy with another caller's operation (an
 * evaluation's batch, another reply) and this one waits for it; `signal` ends the wait (ModelWaitAborted) without
 * letting the callers behind this one start early. Releases and evictions leave a model with callers alone; only
 * closeCachedModels (worker shutdown) closes one under them, and the waiting callers then fail.
 */
export async function withCachedModel<T>(
  name: string,
  dir: string,
  use: (model: NativeModel) => Promise<T>,
  opts: { addon?: () => NativeAddon; placement?: ModelPlacement; onWait?: () => void; signal?: AbortSignal } = {},
): Promise<T> {
  const addon = opts.addon ?? (() => loadNativeAddon());
  const placement = opts.placement ?? workerPlacement();
  const entry = entryFor(name, dir, addon, placement);
  // Every user is running or queued for its turn, so any other one means this caller waits.
  const busy = entry.users > 0;
  entry.users += 1;
  let finished!: () => void;
  const previous = entry.turn;
  entry.turn = new Promise<void>((resolve) => (finished = resolve));
  let myTurn = false;
  try {
    if (busy) opts.onWait?.();
    await turnOrAbort(previous, opts.signal, name);
    myTurn = true;
    const model = await entry.model;
    if (model.closed) throw new Error(`${name} was unloaded while this request waited for it (the worker is shutting down)`);
    return await use(model);
  } finally {
    // A caller that gave up waiting hands its turn on only when the one before it is done.
    if (myTurn) finished();
    else void previous.then(finished);
    leave(entry);
  }
}

/** Resolves when `previous` does (turns never reject), or throws ModelWaitAborted if `signal` aborts first. */
function turnOrAbort(previous: Promise<void>, signal: AbortSignal | undefined, name: string): Promise<void> {
  if (!signal) return previous;
  if (signal.aborted) return Promise.reject(new ModelWaitAborted(name));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new ModelWaitAborted(name));
    signal.addEventListener("abort", onAbort, { once: true });
    void previous.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

function leave(entry: Entry): void {
  entry.users -= 1;
  if (entry.users === 0 && entry.evicted) void closeWhenLoaded(entry).catch(() => undefined);
}

/**
 * Frees the cached models no reply is using, and says how many. A GPU worker calls it before a training run or a
 * merge: a cached base model holds its weights on the device, which the job may need (an 8B model in bf16 is 16 GB),
 * and a host copy in RAM; the next playground request loads it again. A model still generating stays; it is
 * evicted later. `only` frees one side: "device" keeps the models on the CPU backend (a run on the device does not
 * need their RAM, and a reply moved to the CPU may be about to use one), "cpu" frees the CPU copies replies used
 * while a run held the device. `keep` spares models the job itself is about to use (an evaluation's), so they are
 * not loaded twice.
 */
export async function releaseIdleModels(opts: { only?: "device" | "cpu"; keep?: DeviceModel[] } = {}): Promise<number> {
  let released = 0;
  const kept = new Set((opts.keep ?? []).map((m) => `${m.name}\0${m.dir}`));
  for (const [key, entry] of [...loaded.entries()]) {
    if (entry.users > 0 || kept.has(`${key.slice(0, key.indexOf("\0"))}\0${entry.dir}`)) continue;
    const m = await entry.model.catch(() => null);
    if (entry.users > 0 || (m && m.busy)) continue;
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
