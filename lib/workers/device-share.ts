import { formatBytes } from "../models/memory";

// A GPU worker shares its one device between the job that trains on it (gpu-jobs, one at a time) and the
// playground replies it serves alongside (the inference queue). Both allocate device memory as they go, so
// without rules a reply that loads its model next to a training run can run either of them out of memory, and
// a training run that starts while a reply generates can fail for the reply's weights.
//
// The rules:
// - A job starts only after the replies running on the device have finished (a reply is bounded by its token
//   budget and a Stop), so it never meets a half-done reply's memory. From the moment the job asks, new replies
//   are placed around it.
// - While a job holds the device, a reply runs there only if what it needs still leaves the job its whole
//   estimated memory plus a margin: free − reply ≥ job estimate + 5 % of the device. The job's estimate is
//   counted as still to come even after the job has allocated it: the check cannot tell a job's own use from
//   another process's, and a reply that takes memory the job's validation pass or a larger step still needs
//   would fail the run. So on a device smaller than about twice the job, replies move to the CPU while it trains.
// - Otherwise the reply runs on the CPU backend and says why (slower, but the run is not put at risk), if host RAM
//   has room for it too (cpuFallback); else it fails with both reasons and asks to try again after the run.

/** Device memory as the CUDA runtime counts it now (every process's use). */
export type DeviceMemory = { freeBytes: number; totalBytes: number };

/** A model by name and folder, as the worker's model cache keys it. */
export type DeviceModel = { name: string; dir: string };

/**
 * A job that needs the device; `reserveBytes` is its memory estimate (Infinity when it cannot be estimated).
 * `models`: the cached models the job generates with (an evaluation's), whose weights its estimate already counts.
 */
export type DeviceJob = { label: string; reserveBytes: number; models?: DeviceModel[] };

export type ReplyPlacement = { onDevice: true } | { onDevice: false; because: string };

/** Kept free beyond the job's estimate: allocator slack, cuBLAS workspaces, a reply's own scratch. */
export const SHARE_MARGIN_FRACTION = 0.05;

/** Host RAM a reply moved to the CPU leaves free: the run's own host memory (batches, checkpoints) and the system's. */
export const HOST_MARGIN_FRACTION = 0.1;

/**
 * A reply the device cannot take goes to the CPU only if host RAM has room for it as well: a worker process that
 * runs out of RAM is killed, and the training run with it. Otherwise the reply fails, saying both reasons.
 */
export function cpuFallback(because: string, hostNeedBytes: number, freeRamBytes: number): { note: string } | { error: string } {
  if (hostNeedBytes <= freeRamBytes * (1 - HOST_MARGIN_FRACTION)) return { note: `Generated on the CPU: ${because}.` };
  const reason = because.charAt(0).toUpperCase() + because.slice(1);
  return {
    error: `${reason}, and the CPU cannot take this reply either: it needs ${formatBytes(hostNeedBytes)} of RAM and ${formatBytes(freeRamBytes)} is free. Ask again when the run ends.`,
  };
}


export class DeviceShare {
  /** The job holding the device as placement sees it (its estimate may be tightened), and the caller's object. */
  private job: DeviceJob | null = null;
  private owner: DeviceJob | null = null;
  private readonly onDevice = new Set<Promise<unknown>>();

  /** `memory` reads the device's free and total memory; it is asked only while a job holds the device. */
  constructor(private readonly memory: () => DeviceMemory) {}

  /** The device's size, or undefined when it cannot be read (no device in this process, a failed query). */
  totalBytes(): number | undefined {
    try {
      return this.memory().totalBytes;
    } catch {
      return undefined;
    }
  }

  /** The job that holds (or is waiting for) the device, or null. */
  get heldBy(): DeviceJob | null {
    return this.job;
  }

  /** Replies running on the device now. */
  get repliesOnDevice(): number {
    return this.onDevice.size;
  }

  /**
   * Runs `run` as the device's job: from this call on replies are placed around `job`; `run` starts once the replies
   * already on the device have finished (`onWait` hears how many it waits for) and `prepare` (freeing idle cached
   * models) is done. One job at a time: the gpu-jobs queue runs with concurrency 1 per worker.
   */
  async runJob<T>(job: DeviceJob, run: () => Promise<T>, hooks: { prepare?: () => Promise<void>; onWait?: (replies: number) => void } = {}): Promise<T> {
    if (this.job) throw new Error(`the device is already held by ${this.job.label}; ${job.label} cannot start next to it`);
    this.job = { ...job };
    this.owner = job;
    try {
      if (this.onDevice.size > 0) {
        hooks.onWait?.(this.onDevice.size);
        await Promise.allSettled([...this.onDevice]);
      }
      await hooks.prepare?.();
      return await run();
    } finally {
      this.job = null;
      this.owner = null;
    }
  }

  /**
   * Lowers the memory estimate of `job` while it holds the device (a run that has read its data knows its longest
   * example, below the maximum sequence length the first estimate assumed), so replies that fit beside the real
   * run stay on the device. Never raises it, and does nothing once another job holds the device.
   */
  tighten(job: DeviceJob, reserveBytes: number): boolean {
    if (this.owner !== job || !this.job || !(reserveBytes < this.job.reserveBytes)) return false;
    this.job = { ...this.job, reserveBytes };
    return true;
  }

  /**
   * Where a reply that needs `needBytes` more device memory runs now (the rules above). A reply on one of the job's
   * own models runs on the device whatever the figures: the job's estimate counts those weights already, and the
   * model runs one generation at a time, so the reply's KV cache never sits beside the job's batch.
   */
  placeReply(needBytes: number, model?: DeviceModel): ReplyPlacement {
    const job = this.job;
    if (!job) return { onDevice: true };
    if (model && job.models?.some((m) => m.name === model.name && m.dir === model.dir)) return { onDevice: true };
    let m: DeviceMemory;
    try {
      m = this.memory();
    } catch (err) {
      return { onDevice: false, because: `${job.label} is using the GPU and its free memory could not be read (${(err as Error).message})` };
    }
    const keep = job.reserveBytes + m.totalBytes * SHARE_MARGIN_FRACTION;
    if (m.freeBytes - needBytes >= keep) return { onDevice: true };
    const estimate = Number.isFinite(job.reserveBytes) ? `keeps ${formatBytes(keep)} for itself` : "has no memory estimate, so it keeps the device to itself";
    return { onDevice: false, because: `${job.label} is using the GPU (${formatBytes(m.freeBytes)} free; this reply needs ${formatBytes(needBytes)} and the job ${estimate})` };
  }

  /**
   * Places a reply and runs it: `reply` gets the placement and, when that is the device, counts as running there
   * until it settles, so a job that asks meanwhile waits for it. Placement and counting happen in one step, so no
   * job can slip in between them.
   */
  withReply<T>(needBytes: number, reply: (placement: ReplyPlacement) => Promise<T>, model?: DeviceModel): Promise<T> {
    const placement = this.placeReply(needBytes, model);
    const running = reply(placement);
    if (placement.onDevice) {
      const settled = running.then(
        () => undefined,
        () => undefined,
      );
      this.onDevice.add(settled);
      void settled.then(() => this.onDevice.delete(settled));
    }
    return running;
  }
}

// One per process: the gpu-jobs and inference processors of a GPU worker share it.
let shared: DeviceShare | null = null;

/**
 * The process's device share. The GPU worker's gpu-jobs processor configures it with its device's memory; until
 * then (a worker that serves replies but trains nothing) no job ever holds the device and every reply is placed
 * as the worker is configured.
 */
export function deviceShare(): DeviceShare {
  shared ??= new DeviceShare(() => {
    throw new Error("this process does not train on a device");
  });
  return shared;
}

/** Sets the process's device share (the GPU worker's gpu-jobs processor, on the cuda backend). */
export function configureDeviceShare(memory: () => DeviceMemory): DeviceShare {
  shared = new DeviceShare(memory);
  return shared;
}
