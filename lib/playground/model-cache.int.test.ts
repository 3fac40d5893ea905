import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { NativeModel } from "../../native/index";
import { writeTinyModel } from "../testing/tiny-model";
import { closeCachedModels, isModelCached, ModelWaitAborted, releaseIdleModels, withCachedModel, type ModelPlacement } from "./model-cache";

// The worker's model cache on the real addon (CPU backend, generated tiny model): who may use a cached model when,
// and that nothing closes one while a caller has it. The playground and a local-side evaluation share these
// models on a GPU worker (lib/playground/playground.int.test.ts runs that case end to end).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "int-model-cache-"));
const dir = writeTinyModel({ dir: path.join(tmp, "tiny-chat"), preset: "tiny", seed: 4 }).dir;
const cpu: ModelPlacement = { backend: "cpu", threads: 1 };
afterAll(async () => {
  await closeCachedModels();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const generate = (m: NativeModel, tokens: number) => m.generate([[1, 2, 3]], { maxTokens: tokens, temperature: 0, stopTokenIds: [] }, () => {});

describe("cached models: one caller's operation at a time, never closed under a caller", () => {
  it("a second caller waits for the first one's generation (and hears that it waits) instead of meeting a busy model", async () => {
    const events: string[] = [];
    let waited = 0;
    const first = withCachedModel("tiny", dir, async (m) => {
      events.push("first starts");
      await generate(m, 200);
      events.push("first ends");
      return m;
    }, { placement: cpu });
    const second = withCachedModel("tiny", dir, async (m) => {
      events.push(`second starts (model busy: ${m.busy ?? "no"})`);
      await generate(m, 5);
      return m;
    }, { placement: cpu, onWait: () => waited++ });
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(waited).toBe(1);
    expect(events).toEqual(["first starts", "first ends", "second starts (model busy: no)"]);
  });

  it("a release while a caller has the model leaves it loaded; the next release, after the caller, frees it", async () => {
    await closeCachedModels();
    const held = await withCachedModel("tiny", dir, async (m) => {
      // Between getting the model and generating: a training run's start frees idle models right here.
      expect(await releaseIdleModels()).toBe(0);
      expect(m.closed).toBe(false);
      await generate(m, 3);
      return m;
    }, { placement: cpu });
    expect(isModelCached("tiny", dir, "cpu")).toBe(true);
    expect(await releaseIdleModels()).toBe(1);
    expect(held.closed).toBe(true);
  });

  it("a caller whose work throws still hands the model on; the model is then idle and a release frees it", async () => {
    await closeCachedModels();
    const failing = withCachedModel("tiny", dir, async () => {
      throw new Error("template error");
    }, { placement: cpu });
    const next = withCachedModel("tiny", dir, async (m) => (await generate(m, 2))[0]!.tokens.length, { placement: cpu });
    await expect(failing).rejects.toThrow("template error");
    expect(await next).toBe(2);
    expect(await releaseIdleModels()).toBe(1);
  });

  it("a model that fails to load fails the callers queued on it, and the next request loads it again", async () => {
    await closeCachedModels();
    const missing = path.join(tmp, "not-a-model");
    const a = withCachedModel("broken", missing, async () => "ran", { placement: cpu });
    const b = withCachedModel("broken", missing, async () => "ran", { placement: cpu });
    await expect(a).rejects.toThrow(/not-a-model/);
    await expect(b).rejects.toThrow(/not-a-model/);
    expect(isModelCached("broken", missing, "cpu")).toBe(false);
    fs.cpSync(dir, missing, { recursive: true });
    expect(await withCachedModel("broken", missing, async () => "ran", { placement: cpu })).toBe("ran");
  });

  it("a caller stopped while it waits leaves without running; the caller behind it still waits for the first", async () => {
    await closeCachedModels();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = withCachedModel("tiny", dir, async () => {
      await gate;
      events.push("first ends");
    }, { placement: cpu });
    const stop = new AbortController();
    const stopped = withCachedModel("tiny", dir, async () => void events.push("stopped ran"), { placement: cpu, signal: stop.signal });
    const third = withCachedModel("tiny", dir, async () => void events.push("third runs"), { placement: cpu });
    stop.abort();
    await expect(stopped).rejects.toBeInstanceOf(ModelWaitAborted);
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([]); // the third is still behind the first
    release();
    await Promise.all([first, third]);
    expect(events).toEqual(["first ends", "third runs"]);
  });

  it("a release can spare the models a job is about to use (an evaluation's), freeing the others", async () => {
    await closeCachedModels();
    const kept = await withCachedModel("eval-model", dir, async (m) => m, { placement: cpu });
    const other = await withCachedModel("playground-model", dir, async (m) => m, { placement: cpu });
    expect(await releaseIdleModels({ keep: [{ name: "eval-model", dir }] })).toBe(1);
    expect([kept.closed, other.closed]).toEqual([false, true]);
    // The same name from another folder is another model: not spared.
    expect(await releaseIdleModels({ keep: [{ name: "eval-model", dir: `${dir}-elsewhere` }] })).toBe(1);
    expect(kept.closed).toBe(true);
  });

  it("a model evicted for newer ones while a caller has it closes when that caller is done", async () => {
    await closeCachedModels();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let oldest = null as NativeModel | null; // (assigned in the callback: a plain annotation narrows to null)
    const holder = withCachedModel("oldest", dir, async (m) => {
      oldest = m;
      await gate;
      return generate(m, 3);
    }, { placement: cpu });
    while (!oldest) await new Promise((r) => setTimeout(r, 5));
    // Two more names: the cache keeps two, so "oldest" leaves it while its caller still holds it.
    await withCachedModel("second", dir, async () => undefined, { placement: cpu });
    await withCachedModel("third", dir, async () => undefined, { placement: cpu });
    expect(isModelCached("oldest", dir, "cpu")).toBe(false);
    expect(oldest!.closed).toBe(false);
    release();
    expect((await holder)[0]!.tokens.length).toBe(3);
    await new Promise((r) => setTimeout(r, 20)); // the close runs once the caller's turn has ended
    expect(oldest!.closed).toBe(true);
  });
});
