import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatTokenizerFor } from "../models/chat-cache";
import { evalDeviceBytes } from "../models/device-need";
import { describeModel } from "../models/scan";
import { createEval } from "./create";
import { evalDeviceReserve } from "./device-reserve";
import { evalIntHarness } from "./int-harness";

// What an evaluation with a local side will hold on a GPU worker's device, read from its stored rows: the GPU
// worker places playground replies around it as around a training run (workers/processors/gpu-jobs.ts).

const h = evalIntHarness("eval-reserve");
const { db, queues, modelsRoot } = h;
const tinyDir = path.join(modelsRoot, "tiny-chat");

beforeAll(() => h.setUp({ "tiny-chat": 3, "other-chat": 4 }));
afterAll(() => h.tearDown());

const questions = ["Short?", "A much longer question about the colour of the sky at dusk, and why it looks the way it does?"];

async function evalRun(candidate: string, baseline: string): Promise<string> {
  const versionId = await h.version("eval-reserve", questions.map((q) => [q, "a"]));
  const { runIds } = await createEval({ datasetVersionId: versionId, candidate, baseline, generation: { maxTokens: 40 }, concurrency: 4 }, { db, queues, modelsRoot });
  return runIds[0]!;
}

describe("an evaluation's device reserve", () => {
  it("is its local model's weights, a KV cache per prompt decoded together and the longest prompt's forward; one model counted once", async () => {
    const chat = chatTokenizerFor(tinyDir);
    const longest = Math.max(...questions.map((q) => chat.encode(chat.render([{ role: "user", content: q }], { addGenerationPrompt: true })).length));
    const model = await describeModel({ name: "tiny-chat", dir: tinyDir });
    // Two prompts, so two sequences at most, though the run's concurrency is 4.
    const one = evalDeviceBytes(model, { prompt: longest, context: longest + 40, sequences: 2 });
    const both = await evalDeviceReserve(db, await evalRun("local:tiny-chat", "local:tiny-chat"), { modelsRoot });
    expect(both).toEqual({ bytes: one, models: [{ name: "tiny-chat", dir: tinyDir }] });
    const mixed = await evalDeviceReserve(db, await evalRun("local:tiny-chat", "openai:gpt-4o-mini"), { modelsRoot });
    expect(mixed!.bytes).toBe(one);
    const two = await evalDeviceReserve(db, await evalRun("local:tiny-chat", "local:other-chat"), { modelsRoot });
    expect(two!.models.map((m) => m.name).sort()).toEqual(["other-chat", "tiny-chat"]);
    expect(two!.bytes).toBeGreaterThan(one);
  });

  it("counts only the prompts still to generate: a resumed run whose samples are done needs no KV room for them", async () => {
    const id = await evalRun("local:tiny-chat", "local:tiny-chat");
    const first = (await evalDeviceReserve(db, id, { modelsRoot }))!.bytes;
    await db.evalSample.updateMany({ where: { evalRunId: id, index: 1 }, data: { baselineOutput: "x", candidateOutput: "y" } });
    expect((await evalDeviceReserve(db, id, { modelsRoot }))!.bytes).toBeLessThan(first);
    // A side that failed after its retries is not generated again either.
    await db.evalSample.updateMany({ where: { evalRunId: id, index: 0 }, data: { baselineError: "timeout", candidateOutput: "y" } });
    // Nothing left to generate (a resume that only judges): no local model will load, so no reserve.
    expect(await evalDeviceReserve(db, id, { modelsRoot })).toBeNull();

    // Only the remote side left: the local model has nothing to answer either.
    const mixed = await evalRun("local:tiny-chat", "openai:gpt-4o-mini");
    await db.evalSample.updateMany({ where: { evalRunId: mixed }, data: { candidateOutput: "done" } });
    expect(await evalDeviceReserve(db, mixed, { modelsRoot })).toBeNull();
  });

  it("is nothing for a run that has ended, and a prompt the template cannot render does not make the rest unknown", async () => {
    const ended = await evalRun("local:tiny-chat", "local:tiny-chat");
    await db.evalRun.update({ where: { id: ended }, data: { status: "cancelled" } });
    expect(await evalDeviceReserve(db, ended, { modelsRoot })).toBeNull();

    const id = await evalRun("local:tiny-chat", "local:tiny-chat");
    const before = (await evalDeviceReserve(db, id, { modelsRoot }))!.bytes;
    // runEval fails such a sample alone; the estimate skips it and stays finite.
    await db.evalSample.updateMany({ where: { evalRunId: id, index: 0 }, data: { prompt: [{ content: "no role" }] } });
    const after = (await evalDeviceReserve(db, id, { modelsRoot }))!.bytes;
    expect(Number.isFinite(after)).toBe(true);
    expect(after).toBe(before); // the longer prompt (index 1) still sets the length
  });

  it("is nothing for a run with no local side, and unknown (Infinity) when a local model cannot be read", async () => {
    expect(await evalDeviceReserve(db, await evalRun("openai:ft:gpt-4o-mini-2024-07-18:acme::x", "openai:gpt-4o-mini"), { modelsRoot })).toBeNull();
    expect(await evalDeviceReserve(db, "no-such-run", { modelsRoot })).toBeNull();
    const id = await evalRun("local:tiny-chat", "openai:gpt-4o-mini");
    rmSync(path.join(modelsRoot, "other-chat"), { recursive: true, force: true });
    await db.evalRun.update({ where: { id }, data: { candidateSpec: "local:other-chat" } });
    expect(await evalDeviceReserve(db, id, { modelsRoot })).toEqual({ bytes: Infinity, models: [] });
  });
});
