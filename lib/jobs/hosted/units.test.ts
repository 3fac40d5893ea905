import { APIError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { retryAfterMs, retryDelayMs, retryMessage } from "./backoff";
import { hyperparametersOf } from "./input";
import { epochAt, resultsMetricRows } from "./series";

const timing = { pollMs: 750, slowPollMs: 3000, backoffMaxMs: 60_000 };
const rateLimited = (headers: Record<string, string>) =>
  APIError.generate(429, { error: { message: "slow down", code: "rate_limit_exceeded" } }, undefined, new Headers(headers));

describe("backoff", () => {
  it("honours retry-after-ms, retry-after seconds and an HTTP date", () => {
    expect(retryAfterMs(rateLimited({ "retry-after-ms": "1500" }))).toBe(1500);
    expect(retryAfterMs(rateLimited({ "retry-after": "2" }))).toBe(2000);
    const inFive = new Date(Date.now() + 5000).toUTCString();
    expect(retryAfterMs(rateLimited({ "retry-after": inFive }))).toBeGreaterThan(3000);
    expect(retryAfterMs(rateLimited({}))).toBeNull();
    expect(retryAfterMs(new Error("x"))).toBeNull();
    expect(rateLimited({})).toBeInstanceOf(RateLimitError);
  });

  it("doubles from the poll interval up to the cap when the provider gives no hint", () => {
    const waits = [1, 2, 3, 8, 20].map((n) => retryDelayMs(new Error("network"), n, timing));
    expect(waits).toEqual([750, 1500, 3000, 60_000, 60_000]);
  });

  it("waits what retry-after asks, even past the cap, and never less than the poll interval", () => {
    expect(retryDelayMs(rateLimited({ "retry-after": "90" }), 1, timing)).toBe(90_000);
    expect(retryDelayMs(rateLimited({ "retry-after": "0" }), 1, timing)).toBe(750);
  });

  it("says what failed, when the next try is and which attempt it is", () => {
    expect(retryMessage("Rate limited (429).", 2000, 1)).toBe("Rate limited (429). Retrying in 2 s (attempt 2).");
    expect(retryMessage("Cannot reach x.", 400, 3)).toBe("Cannot reach x. Retrying in 400 ms (attempt 4).");
  });
});

describe("series", () => {
  it("computes a fractional epoch once total steps and n_epochs are known", () => {
    expect(epochAt(30, 60, 2)).toBe(1);
    expect(epochAt(1, 60, 3)).toBe(0.05);
    expect(epochAt(5, null, 3)).toBeNull();
    expect(epochAt(5, 60, null)).toBeNull();
  });

  it("turns results CSV rows into metric points with total steps from the file", () => {
    const rows = resultsMetricRows(
      [
        { step: 1, train_loss: 1.5, train_accuracy: 0.1, valid_loss: null, valid_mean_token_accuracy: null },
        { step: 2, train_loss: 1.2, train_accuracy: 0.2, valid_loss: 1.3, valid_mean_token_accuracy: 0.3, full_valid_loss: 1.25 },
      ],
      2,
    );
    expect(rows).toEqual([
      { step: 1, trainLoss: 1.5, trainAccuracy: 0.1, validLoss: null, validAccuracy: null, fullValidLoss: null, fullValidAccuracy: null, totalSteps: 2, epoch: 1 },
      { step: 2, trainLoss: 1.2, trainAccuracy: 0.2, validLoss: 1.3, validAccuracy: 0.3, fullValidLoss: 1.25, fullValidAccuracy: null, totalSteps: 2, epoch: 2 },
    ]);
  });
});

describe("hyperparametersOf", () => {
  it("reads OpenAI's snake_case or camelCase, keeps auto and numbers, drops anything else", () => {
    expect(hyperparametersOf({ n_epochs: 3, batch_size: "auto", learning_rate_multiplier: 1.8 })).toEqual({ nEpochs: 3, batchSize: "auto", learningRateMultiplier: 1.8 });
    expect(hyperparametersOf({ nEpochs: 2, beta: 0.1, batch_size: "big" })).toEqual({ nEpochs: 2, beta: 0.1 });
    expect(hyperparametersOf(null)).toEqual({});
  });
});
