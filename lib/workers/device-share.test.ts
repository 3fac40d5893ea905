import { describe, expect, it } from "vitest";
import { cpuFallback, DeviceShare, SHARE_MARGIN_FRACTION, type DeviceMemory } from "./device-share";

// The rules a GPU worker shares its device by (device-share.ts), on stated memory figures: the GPU worker test on
// the emulated device (workers/gpu-jobs-cuda.emu.test.ts) runs them with real runs and replies.

const GiB = 2 ** 30;
const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

function shareWith(memory: DeviceMemory) {
  const reads: number[] = [];
  const share = new DeviceShare(() => {
    reads.push(Date.now());
    return memory;
  });
  return { share, reads, memory };
}

describe("device share", () => {
  it("with no job on the device every reply runs there, and the device memory is not even read", () => {
    const { share, reads } = shareWith({ freeBytes: 0, totalBytes: 80 * GiB });
    expect(share.placeReply(70 * GiB)).toEqual({ onDevice: true });
    expect(reads).toHaveLength(0);
  });

  it("while a job trains, a reply runs on the device only if the job keeps its estimate plus 5 % of the device", async () => {
    const { share } = shareWith({ freeBytes: 40 * GiB, totalBytes: 80 * GiB });
    const run = deferred();
    const job = share.runJob({ label: "training job j1", reserveBytes: 20 * GiB }, () => run.promise);
    const margin = 80 * GiB * SHARE_MARGIN_FRACTION; // 4 GiB
    // 40 free − 16 = 24 = 20 + 4: exactly enough.
    expect(share.placeReply(40 * GiB - 20 * GiB - margin)).toEqual({ onDevice: true });
    const placed = share.placeReply(40 * GiB - 20 * GiB - margin + 1);
    expect(placed).toEqual({ onDevice: false, because: "training job j1 is using the GPU (40.0 GiB free; this reply needs 16.0 GiB and the job keeps 24.0 GiB for itself)" });
    run.resolve();
    await job;
    expect(share.heldBy).toBeNull();
    expect(share.placeReply(39 * GiB)).toEqual({ onDevice: true });
  });

  it("a job that has read its data tightens its estimate: a reply that did not fit beside the first estimate then does", async () => {
    const { share } = shareWith({ freeBytes: 40 * GiB, totalBytes: 80 * GiB });
    const run = deferred();
    const held = { label: "training job j8", reserveBytes: 30 * GiB };
    const job = share.runJob(held, () => run.promise);
    expect(share.placeReply(8 * GiB)).toMatchObject({ onDevice: false });
    // Lower only, and only for the job that holds the device.
    expect(share.tighten(held, 31 * GiB)).toBe(false);
    expect(share.tighten({ label: "training job j8", reserveBytes: 30 * GiB }, GiB)).toBe(false);
    expect(share.tighten(held, 20 * GiB)).toBe(true);
    expect(share.heldBy).toEqual({ label: "training job j8", reserveBytes: 20 * GiB });
    // 40 free − 8 = 32 ≥ 20 + 4.
    expect(share.placeReply(8 * GiB)).toEqual({ onDevice: true });
    expect(held.reserveBytes).toBe(30 * GiB); // the caller's object is left as it was
    run.resolve();
    await job;
    expect(share.tighten(held, GiB)).toBe(false);
    expect(share.heldBy).toBeNull();
  });

  it("a reply on one of the job's own models (an evaluation's) runs on the device: the job's estimate already counts its weights", async () => {
    const { share } = shareWith({ freeBytes: 2 * GiB, totalBytes: 24 * GiB });
    const run = deferred();
    const own = { name: "llama-8b", dir: "/models/llama-8b" };
    const job = share.runJob({ label: "evaluation e1", reserveBytes: 18 * GiB, models: [own] }, () => run.promise);
    expect(share.placeReply(GiB, own)).toEqual({ onDevice: true });
    // Another model, or the same name from another folder, is placed by the figures: 2 − 1 < 18 + 1.2.
    expect(share.placeReply(GiB, { name: "qwen-7b", dir: "/models/qwen-7b" })).toMatchObject({ onDevice: false });
    expect(share.placeReply(GiB, { name: "llama-8b", dir: "/elsewhere/llama-8b" })).toMatchObject({ onDevice: false });
    expect(share.placeReply(GiB)).toMatchObject({ onDevice: false });
    run.resolve();
    await job;
  });

  it("a job without an estimate, or a device whose memory cannot be read, keeps replies on the CPU", async () => {
    const run = deferred();
    const unknown = shareWith({ freeBytes: 79 * GiB, totalBytes: 80 * GiB }).share;
    const a = unknown.runJob({ label: "training job j2", reserveBytes: Infinity }, () => run.promise);
    expect(unknown.placeReply(1)).toEqual({ onDevice: false, because: expect.stringMatching(/^training job j2 is using the GPU \(79\.0 GiB free; this reply needs 0\.0 MiB and the job has no memory estimate, so it keeps the device to itself\)$/) });

    const broken = new DeviceShare(() => {
      throw new Error("CUDA memory of device 0: cudaErrorUnknown");
    });
    const b = broken.runJob({ label: "training job j3", reserveBytes: GiB }, () => run.promise);
    expect(broken.placeReply(1)).toEqual({ onDevice: false, because: "training job j3 is using the GPU and its free memory could not be read (CUDA memory of device 0: cudaErrorUnknown)" });
    run.resolve();
    await Promise.all([a, b]);
  });

  it("a job starts after the replies already on the device finish; replies on the CPU and later ones do not hold it back", async () => {
    const { share } = shareWith({ freeBytes: 10 * GiB, totalBytes: 80 * GiB });
    const events: string[] = [];
    const first = deferred();
    const reply1 = share.withReply(GiB, async (p) => {
      events.push(`reply 1 on ${p.onDevice ? "device" : "cpu"}`);
      await first.promise;
      events.push("reply 1 done");
    });
    expect(share.repliesOnDevice).toBe(1);
    const waits: number[] = [];
    const job = share.runJob({ label: "training job j4", reserveBytes: 8 * GiB }, async () => void events.push("job runs"), {
      onWait: (n) => waits.push(n),
      prepare: async () => void events.push("idle models freed"),
    });
    // Asked after the job: placed around it (10 − 1 < 8 + 4), so it goes to the CPU and the job does not wait for it.
    const second = deferred();
    const reply2 = share.withReply(GiB, async (p) => {
      events.push(`reply 2 on ${p.onDevice ? "device" : "cpu"}`);
      await second.promise;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(["reply 1 on device", "reply 2 on cpu"]);
    first.resolve();
    await job;
    expect(waits).toEqual([1]);
    expect(events).toEqual(["reply 1 on device", "reply 2 on cpu", "reply 1 done", "idle models freed", "job runs"]);
    second.resolve();
    await Promise.all([reply1, reply2]);
    expect(share.repliesOnDevice).toBe(0);
  });

  it("a failed reply still lets the job start, a failed job lets go of the device, and a second job is refused", async () => {
    const { share } = shareWith({ freeBytes: 10 * GiB, totalBytes: 80 * GiB });
    const failing = share.withReply(0, async () => {
      throw new Error("Generation failed: out of memory");
    });
    await expect(failing).rejects.toThrow("out of memory");
    const hold = deferred();
    const job = share.runJob({ label: "training job j5", reserveBytes: GiB }, async () => {
      await hold.promise;
      throw new Error("diverged");
    });
    await expect(share.runJob({ label: "training job j6", reserveBytes: GiB }, async () => 1)).rejects.toThrow(
      "the device is already held by training job j5; training job j6 cannot start next to it",
    );
    hold.resolve();
    await expect(job).rejects.toThrow("diverged");
    expect(share.heldBy).toBeNull();
  });

  it("a reply the device cannot take goes to the CPU only if host RAM keeps 10 % free beside it", () => {
    const because = "training job j7 is using the GPU (1.0 GiB free; this reply needs 2.00 GiB and the job keeps 1.0 GiB for itself)";
    expect(cpuFallback(because, 9 * GiB, 10 * GiB)).toEqual({ note: `Generated on the CPU: ${because}.` });
    expect(cpuFallback(because, 9 * GiB + 1, 10 * GiB)).toEqual({
      error: `Training job j7 is using the GPU (1.0 GiB free; this reply needs 2.00 GiB and the job keeps 1.0 GiB for itself), and the CPU cannot take this reply either: it needs 9.00 GiB of RAM and 10.0 GiB is free. Ask again when the run ends.`,
    });
    expect(cpuFallback(because, Infinity, 10 * GiB)).toMatchObject({ error: expect.stringContaining("it needs an unknown amount of RAM") });
  });
});
