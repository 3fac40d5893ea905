import { describe, expect, it } from "vitest";
import { buildCreateParams } from "./create";
import { estimateOpenAICost, validateOpenAIConfig } from "./index";
import { parseResultsCsv } from "./results";
import { mapStatus } from "./status";

// Pure pieces: request building, config checks, cost, CSV decoding, status mapping.

const csv = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.52347,0.0,,\n2,0.57719,0.5,0.6,0.7\n";

describe("OpenAI fine-tuning helpers", () => {
  it("builds supervised and dpo create params with our metadata tag", () => {
    expect(buildCreateParams({ tuneforgeJobId: "j1", model: "m", trainingFileId: "file-a", hyperparameters: { nEpochs: 2, batchSize: "auto" } })).toEqual({
      model: "m", training_file: "file-a", metadata: { tuneforge_job_id: "j1" },
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 2, batch_size: "auto" } } },
    });
    expect(buildCreateParams({ tuneforgeJobId: "j2", model: "m", trainingFileId: "file-a", validationFileId: "file-v", method: "dpo", seed: 0, suffix: "s", hyperparameters: { beta: 0.1, learningRateMultiplier: 2 } })).toEqual({
      model: "m", training_file: "file-a", validation_file: "file-v", seed: 0, suffix: "s", metadata: { tuneforge_job_id: "j2" },
      method: { type: "dpo", dpo: { hyperparameters: { learning_rate_multiplier: 2, beta: 0.1 } } },
    });
  });

  it("validates hyperparameter ranges", () => {
    expect(validateOpenAIConfig({ tuneforgeJobId: "j", model: "m", hyperparameters: { nEpochs: "auto", batchSize: 8 } })).toEqual([]);
    const fields = validateOpenAIConfig({ tuneforgeJobId: "j", model: "m", suffix: "", seed: -1, hyperparameters: { nEpochs: 51, batchSize: 1.5, learningRateMultiplier: 0, beta: 0.1 } }).map((i) => i.field);
    expect(fields).toEqual(["nEpochs", "batchSize", "learningRateMultiplier", "beta", "suffix", "seed"]);
  });

  it("estimates cost as price × tokens × epochs", () => {
    expect(estimateOpenAICost({ billedTokens: 1_000_000, epochs: 3, usdPerMillionTokens: 3 }).usd).toBe(9);
  });

  it("parses the results CSV both plain and base64-encoded", () => {
    const plain = parseResultsCsv(csv);
    expect(plain).toEqual([
      { step: 1, train_loss: 1.52347, train_accuracy: 0, valid_loss: null, valid_mean_token_accuracy: null },
      { step: 2, train_loss: 0.57719, train_accuracy: 0.5, valid_loss: 0.6, valid_mean_token_accuracy: 0.7 },
    ]);
    expect(parseResultsCsv(Buffer.from(csv).toString("base64"))).toEqual(plain);
    expect(() => parseResultsCsv("not a csv")).toThrow(/step,/);
  });

  it("maps OpenAI statuses to ours, tolerating unknown ones", () => {
    expect(mapStatus("validating_files")).toBe("validating_files");
    expect(mapStatus("succeeded")).toBe("succeeded");
    expect(mapStatus("paused")).toBe("running");
  });
});
