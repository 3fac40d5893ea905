import { describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_CONFIG, localConfigSchema, localLaunchRequestSchema } from "@/lib/jobs/local/config";
import { initialLocalState, localStateFromConfig, toLocalLaunchRequest } from "./local-form-state";

describe("toLocalLaunchRequest", () => {
  it("starts from the seed's defaults and sends a body localLaunchRequestSchema accepts unchanged", () => {
    const body = toLocalLaunchRequest(initialLocalState("v1", "tiny-chat"));
    const parsed = localLaunchRequestSchema.parse(body);
    expect(parsed.config).toEqual(DEFAULT_LOCAL_CONFIG);
    expect(body).toMatchObject({ provider: "local", datasetVersionId: "v1", baseModel: "tiny-chat" });
    expect(body).not.toHaveProperty("suffix");
  });

  it("maps quantization choices, targets in canonical order, and typed numbers", () => {
    const s = { ...initialLocalState("v1", "m"), quant: "none" as const, targets: ["down_proj" as const, "q_proj" as const], rank: " 64 ", rslora: true, lr: "1e-4", packing: true, backend: "cpu" as const, suffix: "x" };
    const parsed = localLaunchRequestSchema.parse(toLocalLaunchRequest(s));
    expect(parsed.config.quantization).toEqual({ quant: "none", doubleQuant: false });
    expect(parsed.config.lora).toMatchObject({ rank: 64, rslora: true, targets: ["q_proj", "down_proj"] });
    expect(parsed.config.training).toMatchObject({ lr: 1e-4, packing: true, backend: "cpu" });
    expect(parsed.suffix).toBe("x");
    expect(localLaunchRequestSchema.parse(toLocalLaunchRequest({ ...s, quant: "nf4" })).config.quantization).toEqual({ quant: "nf4", doubleQuant: false });
  });

  it("passes text that is not a number through so the server names the field", () => {
    const r = localLaunchRequestSchema.safeParse(toLocalLaunchRequest({ ...initialLocalState("v1", "m"), rank: "sixteen" }));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ["config", "lora", "rank"], message: "rank must be a whole number" });
  });
});

describe("localStateFromConfig (Launch again)", () => {
  it("fills the form so that launching it unchanged sends the job's configuration back", () => {
    const config = localConfigSchema.parse({
      lora: { rank: 64, alpha: 8, dropout: 0.1, rslora: true, targets: ["q_proj", "v_proj", "down_proj"] },
      quantization: { quant: "nf4", doubleQuant: false },
      training: { epochs: 7, batchSize: 2, gradAccum: 8, lr: 1e-5, weightDecay: 0, schedule: "constant", warmupRatio: 0.1, maxGradNorm: -1, seed: 99, maxSeqLen: 4096, dpoBeta: 0.25, packing: true, gradientCheckpointing: true, backend: "cuda", evalEvery: 50, checkpointEvery: 100, earlyStoppingPatience: 4, earlyStoppingThreshold: 0.002, keepBest: true },
    });
    expect(config).not.toEqual(DEFAULT_LOCAL_CONFIG);
    const state = localStateFromConfig("v9", "SmolLM2-135M-Instruct", config, "run-2");
    expect(state).toMatchObject({ lr: "0.00001", rank: "64", quant: "nf4", rslora: true, suffix: "run-2" });
    const parsed = localLaunchRequestSchema.parse(toLocalLaunchRequest(state));
    expect(parsed.config).toEqual(config);
    expect(parsed).toMatchObject({ datasetVersionId: "v9", baseModel: "SmolLM2-135M-Instruct", suffix: "run-2" });
    expect(localStateFromConfig("v9", "m", { ...config, quantization: { quant: "nf4", doubleQuant: true } }).quant).toBe("nf4-dq");
    expect(localStateFromConfig("v9", "m", { ...config, quantization: { quant: "none", doubleQuant: false } }).quant).toBe("none");
  });
});
