import { describe, expect, it } from "vitest";
import { generationLine, tagVerdictSentence, winRateText, winRateVerdict } from "./words";

describe("summary in words", () => {
  it("names the tags the candidate is better and worse on", () => {
    const tags = [
      { tag: "format", improvement: true, regression: false },
      { tag: "refunds", improvement: false, regression: true },
      { tag: "greetings", improvement: false, regression: false },
    ];
    expect(tagVerdictSentence(tags)).toBe("The candidate is better on format, worse on refunds.");
    expect(tagVerdictSentence(tags.slice(2))).toBeNull();
  });

  it("reads the win rate with its interval and says whether 50 % is inside it", () => {
    expect(winRateText({ candidate: 0.58, ci: [0.512, 0.645] })).toBe("58.0 % (95 % CI 51.2–64.5 %)");
    expect(winRateVerdict({ candidate: 0.58, ci: [0.512, 0.645] })).toMatch(/candidate wins/);
    expect(winRateVerdict({ candidate: 0.52, ci: [0.43, 0.61] })).toMatch(/No clear winner/);
    expect(winRateVerdict({ candidate: 0.3, ci: [0.2, 0.4] })).toMatch(/baseline wins/);
  });
});

describe("generationLine", () => {
  it("says how the answers were generated, the thinking switch only when set", () => {
    expect(generationLine({ temperature: 0, topP: 1, maxTokens: 512, seed: 0 })).toBe("greedy · top-p 1 · up to 512 tokens · seed 0");
    expect(generationLine({ temperature: 0.7, topP: 0.95, maxTokens: 64, seed: 3, thinking: "off" })).toBe("temperature 0.7 · top-p 0.95 · up to 64 tokens · seed 3 · thinking off");
    expect(generationLine({ temperature: 0, topP: 1, maxTokens: 8, seed: 0, thinking: "default" })).toBe("greedy · top-p 1 · up to 8 tokens · seed 0");
  });
});
