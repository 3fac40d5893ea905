import { describe, expect, it } from "vitest";
import { UsageError } from "../args";
import { choiceOption, numberOption } from "./options";

describe("trainer option parsing", () => {
  it("parses numbers with ranges, naming the flag on errors", () => {
    expect(numberOption("train", "lr", "2e-4", 1)).toBe(2e-4);
    expect(numberOption("train", "lr", undefined, 1)).toBe(1);
    expect(() => numberOption("train", "rank", "4.5", 16, { integer: true })).toThrow(/train: --rank must be an integer, got "4.5"/);
    expect(() => numberOption("train", "epochs", "0", 3, { min: 1 })).toThrow(/train: --epochs must be ≥ 1, got 0/);
    expect(() => numberOption("train", "dropout", "abc", 0)).toThrow(UsageError);
    expect(() => numberOption("train", "dropout", "", 0)).toThrow(/must be a number/);
    expect(numberOption("bench", "peak-size", "384", 8192, { min: 256, integer: true, multipleOf: 128 })).toBe(384);
    expect(() => numberOption("bench", "peak-size", "300", 8192, { min: 256, integer: true, multipleOf: 128 })).toThrow(/bench: --peak-size must be a multiple of 128, got 300/);
  });

  it("accepts only listed choices", () => {
    expect(choiceOption("train", "schedule", "linear", ["cosine", "linear"] as const, "cosine")).toBe("linear");
    expect(() => choiceOption("train", "schedule", "step", ["cosine", "linear"] as const, "cosine")).toThrow(/--schedule must be one of cosine, linear, got "step"/);
  });
});
