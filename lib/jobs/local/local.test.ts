import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_CONFIG, fusedTargetsProblem, localConfigSchema } from "./config";
import { adapterCardMarkdown } from "./run/card";
import { describeRunError } from "./run/errors";
import { absoluteInData, isResumableCheckpoint, moveAdapterIntoPlace, relativeToData } from "./run/paths";
import { localConfigOfJob, storedLocalConfig } from "./stored";

describe("LoRA targets on a model with fused projections (Phi-3, GLM-4)", () => {
  const phi3 = { fusedQkv: true, fusedGateUp: true };
  const glm4 = { fusedGateUp: true };

  it("takes whole groups, or none of a group, and names the fused module a part belongs to", () => {
    expect(fusedTargetsProblem(["q_proj", "k_proj", "v_proj", "o_proj"], phi3)).toBeNull();
    expect(fusedTargetsProblem(["o_proj", "down_proj"], phi3)).toBeNull();
    expect(fusedTargetsProblem(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], phi3)).toBeNull();
    expect(fusedTargetsProblem(["q_proj", "v_proj"], phi3)).toBe("this model computes q_proj, k_proj, v_proj in one module, qkv_proj, so LoRA adapts all of them or none: pick q_proj, k_proj, v_proj together, or none of them");
    expect(fusedTargetsProblem(["q_proj", "k_proj", "v_proj", "up_proj"], phi3)).toMatch(/in one module, gate_up_proj/);
  });

  it("checks only the modules the model fuses: GLM-4's gate_up_proj, not q, k, v; nothing on a Llama", () => {
    expect(fusedTargetsProblem(["q_proj", "v_proj"], glm4)).toBeNull();
    expect(fusedTargetsProblem(["q_proj", "gate_proj", "up_proj"], glm4)).toBeNull();
    expect(fusedTargetsProblem(["q_proj", "v_proj", "gate_proj"], glm4)).toBe("this model computes gate_proj, up_proj in one module, gate_up_proj, so LoRA adapts all of them or none: pick gate_proj, up_proj together, or none of them");
    expect(fusedTargetsProblem(["q_proj", "v_proj", "up_proj"], {})).toBeNull();
    expect(fusedTargetsProblem(["q_proj", "up_proj"], { fusedQkv: false, fusedGateUp: false })).toBeNull();
  });
});

describe("local job config on the row", () => {
  it("round-trips through loraConfig + hyperparameters, and old rows get the defaults added since", () => {
    const config = localConfigSchema.parse({ lora: { rank: 8, targets: ["q_proj", "v_proj"] }, quantization: { quant: "none" }, training: { epochs: 1, packing: true } });
    const stored = storedLocalConfig(config);
    expect(localConfigOfJob(stored as never)).toEqual(config);
    expect(localConfigOfJob({ loraConfig: null, hyperparameters: {} })).toEqual(DEFAULT_LOCAL_CONFIG);
  });

  it("says which stored field is wrong", () => {
    expect(() => localConfigOfJob({ loraConfig: { lora: { rank: 0 } }, hyperparameters: {} })).toThrow(/lora\.rank: rank must be 1 to 1024.*launch a new job/);
  });
});

describe("paths under the data directory", () => {
  it("stores relative paths and refuses anything outside", () => {
    expect(relativeToData("/data", "/data/jobs/a/adapter")).toBe("jobs/a/adapter");
    expect(() => relativeToData("/data", "/etc/passwd")).toThrow(/not inside the data directory/);
    expect(absoluteInData("/data", "jobs/a/adapter")).toBe("/data/jobs/a/adapter");
    expect(() => absoluteInData("/data", "../etc")).toThrow(/outside the data directory/);
  });

  it("moves the final adapter out of the trainer's folder, and only complete checkpoints are resumable", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "tf-local-paths-"));
    try {
      fs.writeFileSync(path.join(out, "adapter_config.json"), "{}");
      fs.writeFileSync(path.join(out, "adapter_model.safetensors"), "x");
      fs.mkdirSync(path.join(out, "checkpoints", "step-2"), { recursive: true });
      moveAdapterIntoPlace(out, path.join(out, "adapter"));
      expect(fs.readdirSync(path.join(out, "adapter")).sort()).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
      expect(fs.existsSync(path.join(out, "adapter_model.safetensors"))).toBe(false);
      const ckpt = path.join(out, "checkpoints", "step-2");
      expect(isResumableCheckpoint(ckpt)).toBe(false);
      fs.writeFileSync(path.join(ckpt, "adapter_model.safetensors"), "x");
      fs.writeFileSync(path.join(ckpt, "trainer_state.json"), "{}");
      expect(isResumableCheckpoint(ckpt)).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("run failures", () => {
  it("names the problem and the next step", () => {
    expect(describeRunError(new Error("std::bad_alloc"), "train")).toMatchObject({ code: "out_of_memory", message: expect.stringMatching(/nf4 quantization, a smaller batch size/) });
    // A trainer message that ends its own sentence is not followed by a second period.
    expect(describeRunError(new Error("CUDA out of memory: 5 MiB requested. Use a smaller batch_size."), "train").message).toMatch(/^Out of memory: CUDA out of memory: 5 MiB requested\. Use a smaller batch_size\. Use nf4/);
    // A step the device already checkpointed: checkpointing is no longer advice.
    const checkpointed = describeRunError(new Error("CUDA out of memory allocating the activation arena: 5 MiB requested. Use a smaller batch_size or max_seq_len (the step was already checkpointed, recomputing all it could)."), "train");
    expect(checkpointed.code).toBe("out_of_memory");
    expect(checkpointed.message).toMatch(/already checkpointed, recomputing all it could\)\. Use nf4 quantization, a smaller batch size \(raise gradient accumulation to keep the effective batch\) or a shorter max sequence length\.$/);
    expect(describeRunError(new Error("config.json: unsupported model_type bert"), "model")).toMatchObject({ code: "model_invalid", message: expect.stringMatching(/Llama-family/) });
    expect(describeRunError(new Error("training diverged at step 3 of 9: the loss is nan"), "train").code).toBe("training_diverged");
    expect(describeRunError(new Error("template error"), "tokenize")).toMatchObject({ code: "tokenizer_failed", message: expect.stringMatching(/chat template: template error/) });
  });
});

describe("adapter card", () => {
  it("names the base model, the data by version and sha256, every setting and the final losses", () => {
    const md = adapterCardMarkdown({
      jobId: "job1",
      baseModel: "SmolLM2-135M-Instruct",
      dataset: { name: "support", version: 3, sha256: "ab".repeat(32), trainExamples: 90, validationExamples: 10 },
      config: DEFAULT_LOCAL_CONFIG,
      backend: "cuda",
      result: { steps: 18, finalLoss: 0.51234, finalValidLoss: 0.6, trainedTokens: 12000, seconds: 42.4 },
      finishedAt: new Date("2026-11-29T10:00:00Z"),
    });
    expect(md).toMatch(/^---\nbase_model: SmolLM2-135M-Instruct\nlibrary_name: peft/);
    expect(md).toContain("Dataset **support** version 3: 90 training and 10 validation examples.");
    expect(md).toContain("ab".repeat(32));
    expect(md).toContain("| target modules | q_proj, k_proj, v_proj, o_proj (attention) |");
    expect(md).toContain("| quantization | nf4 + double quant |");
    expect(md).toContain("| batch size × gradient accumulation | 4 × 4 |");
    expect(md).toContain("| final train loss | 0.5123 |");
    expect(md).toContain("| final validation loss | 0.6000 |");
    expect(md).toContain("QLoRA trainer on the cuda backend");
  });
});

describe("local provider core", () => {
  it("validates the local config by field and never retries a failed run", async () => {
    const { localProvider } = await import("../../providers/local");
    expect(localProvider.validateConfig({ lora: { rank: 8 } })).toEqual([]);
    expect(localProvider.validateConfig({ training: { backend: "tpu" } })).toEqual([{ field: "training.backend", message: "must be auto, cpu or cuda" }]);
    expect(localProvider.classifyError(new Error("CUDA error: out of memory"))).toMatchObject({ retry: false, code: "out_of_memory" });
  });
});
