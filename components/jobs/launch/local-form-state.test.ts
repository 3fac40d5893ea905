import { describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_CONFIG, localLaunchRequestSchema } from "@/lib/jobs/local/config";
import { initialLocalState, toLocalLaunchRequest } from "./local-form-state";

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
