import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";
import { chatJsonl, sdk } from "./test-helpers";

// The /_emulator/ switches over plain HTTP, as an e2e spec or a shell would use them, checked through the
// real SDK: a fault flipped over HTTP changes what the next OpenAI call gets.

let emu: OpenAIEmulator;
let manual: OpenAIEmulator;
beforeAll(async () => {
  emu = await startOpenAIEmulator();
  manual = await startOpenAIEmulator({ manualClock: true, timing: { fileProcessingMs: 1000 } });
});
afterAll(async () => {
  await emu.close();
  await manual.close();
});

const control = (e: OpenAIEmulator, p: string) => e.url.replace(/\/v1$/, `/_emulator/${p}`);
const post = (e: OpenAIEmulator, p: string, body: unknown) =>
  fetch(control(e, p), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("emulator control endpoints", () => {
  it("flips faults over HTTP without an API key, and the SDK sees them", async () => {
    const res = await post(emu, "faults", { trainingNotAvailable: true, rateLimitNext: 0 });
    expect(res.status).toBe(200);
    expect((await res.json()).faults).toMatchObject({ trainingNotAvailable: true });
    const file = await sdk(emu.url).files.create({ file: new File([chatJsonl(10)], "t.jsonl"), purpose: "fine-tune" });
    const err = await sdk(emu.url).fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file.id }).catch((e: { status?: number; code?: string }) => e);
    expect(err).toMatchObject({ status: 403, code: "training_not_available" });

    const reset = await (await post(emu, "faults/reset", {})).json();
    expect(reset.faults.trainingNotAvailable).toBe(false);
    expect(emu.faults.trainingNotAvailable).toBe(false);
    // Control calls are not OpenAI traffic: they stay out of the request log.
    expect(emu.requests.some((r) => r.path.startsWith("/_emulator"))).toBe(false);
  });

  it("rejects an unknown switch or a wrong type with a 400 that names the field", async () => {
    const unknown = await post(emu, "faults", { rateLimitNxt: 1 });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatchObject({ param: "rateLimitNxt", message: expect.stringContaining("rateLimitNext") });
    const wrongType = await post(emu, "faults", { stallFileProcessing: "yes" });
    expect((await wrongType.json()).error.message).toBe("'stallFileProcessing' must be true or false.");
    const badTiming = await post(emu, "timing", { stepMs: 0 });
    expect((await badTiming.json()).error.message).toBe("'stepMs' must be a number > 0.");
    expect((await fetch(control(emu, "nope"))).status).toBe(404);
  });

  it("changes timing, advances a manual clock and reports state", async () => {
    expect((await (await post(manual, "timing", { stepMs: 50, queuedMs: 10 })).json()).timing).toMatchObject({ stepMs: 50, queuedMs: 10, fileProcessingMs: 1000 });
    const file = await sdk(manual.url).files.create({ file: new File([chatJsonl(10)], "t.jsonl"), purpose: "fine-tune" });
    let state = await (await fetch(control(manual, "state"))).json();
    expect(state.clock.manual).toBe(true);
    expect(state.files).toEqual([{ id: file.id, filename: "t.jsonl", purpose: "fine-tune", status: "uploaded", bytes: expect.any(Number) }]);

    const advanced = await (await post(manual, "advance", { ms: 1000 })).json();
    expect(advanced.now).toBe(state.clock.now + 1000);
    state = await (await fetch(control(manual, "state"))).json();
    expect(state.files[0].status).toBe("processed");

    const bad = await post(emu, "advance", { ms: 10 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/manual clock/);
  });

  it("holds files while stallFileProcessing is on and releases them when it is switched off", async () => {
    await post(manual, "faults", { stallFileProcessing: true });
    const file = await sdk(manual.url).files.create({ file: new File([chatJsonl(10)], "s.jsonl"), purpose: "fine-tune" });
    manual.advance(5000);
    expect((await sdk(manual.url).files.retrieve(file.id)).status).toBe("uploaded");
    await post(manual, "faults", { stallFileProcessing: false });
    expect((await sdk(manual.url).files.retrieve(file.id)).status).toBe("processed");
  });
});
