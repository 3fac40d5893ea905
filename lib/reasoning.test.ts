import { describe, expect, it } from "vitest";
import { answerOf, separateReasoning, splitReasoning, thinkingSummary, withReasoning } from "./reasoning";

describe("splitReasoning", () => {
  it("takes a leading think block apart from the answer, as Qwen3 writes it", () => {
    expect(splitReasoning("<think>\nThe user wants JSON.\n</think>\n\n{\"a\": 1}")).toEqual({ reasoning: "The user wants JSON.", answer: '{"a": 1}', unfinished: false });
    // Qwen3's non-thinking mode: an empty block.
    expect(splitReasoning("<think>\n\n</think>\n\nParis.")).toEqual({ reasoning: "", answer: "Paris.", unfinished: false });
    // Leading whitespace before the block is allowed; the answer keeps its own inner spacing.
    expect(splitReasoning("\n<think>x</think>a\n b")).toEqual({ reasoning: "x", answer: "a\n b", unfinished: false });
  });

  it("leaves text without a leading block alone, and a block elsewhere is part of the answer", () => {
    expect(splitReasoning("Paris.")).toEqual({ reasoning: null, answer: "Paris.", unfinished: false });
    expect(splitReasoning("Use <think> tags.</think>")).toEqual({ reasoning: null, answer: "Use <think> tags.</think>", unfinished: false });
  });

  it("a reply cut off while thinking has no answer", () => {
    expect(splitReasoning("<think>\nFirst, the capital")).toEqual({ reasoning: "First, the capital", answer: "", unfinished: true });
    expect(answerOf("<think>\nFirst")).toBe("");
  });

  it("withReasoning stores a server's separate reasoning in the same form, and round-trips", () => {
    const stored = withReasoning("  Step one.\n", "42");
    expect(stored).toBe("<think>\nStep one.\n</think>\n\n42");
    expect(splitReasoning(stored)).toEqual({ reasoning: "Step one.", answer: "42", unfinished: false });
    expect(withReasoning(null, "42")).toBe("42");
    expect(withReasoning("", "42")).toBe("42");
  });
});

describe("thinkingSummary and separateReasoning", () => {
  it("says what a folded block holds, and nothing for no block or an empty one", () => {
    expect(thinkingSummary(splitReasoning("<think>\nThe sky is blue.\n</think>\n\nBlue"))).toBe("Thinking (4 words)");
    expect(thinkingSummary(splitReasoning("<think>\nFirst the"))).toBe("Thinking, cut off before an answer (2 words)");
    expect(thinkingSummary(splitReasoning("<think>\n\n</think>\n\nBlue"))).toBeNull();
    expect(thinkingSummary(splitReasoning("Blue"))).toBeNull();
  });

  it("reads a server's reasoning_content, else its reasoning", () => {
    expect(separateReasoning({ role: "assistant", content: "4", reasoning_content: "a", reasoning: "b" })).toBe("a");
    expect(separateReasoning({ role: "assistant", content: "4", reasoning_content: null, reasoning: "b" })).toBe("b");
    expect(separateReasoning({ role: "assistant", content: "4" })).toBeNull();
    expect(separateReasoning(undefined)).toBeNull();
  });
});
