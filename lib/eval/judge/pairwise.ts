import { DEFAULT_RUBRIC, type ChatMessage } from "../types";
import { block, renderConversation, renderTools } from "./render";

// The pairwise prompt. The judge sees the rubric in the system message and the material in the user message. It is
// called twice per sample with A and B swapped (see combine.ts) because LLM judges favour a position (usually the
// first); asking for ONE JSON object keeps the reply machine-readable.

export type PairwiseInput = { rubric?: string | null; prompt: ChatMessage[]; tools?: unknown[] | null; expected: string | null; a: string; b: string };

/** The system + user messages asking the judge which of responses A and B better answers the conversation. */
export function pairwiseJudgeMessages({ rubric, prompt, tools, expected, a, b }: PairwiseInput): ChatMessage[] {
  const system = [
    "You are an impartial judge comparing two AI assistant responses to the same conversation.",
    "",
    "Rubric:",
    rubric?.trim() ? rubric.trim() : DEFAULT_RUBRIC,
    "",
    "Do not let the order of the responses, their length or their style sway you beyond what the rubric asks.",
    'Reply with ONE JSON object and nothing else: {"winner": "A" | "B" | "tie", "rationale": "<one or two sentences>"}',
  ].join("\n");
  const user = [
    renderTools(tools) + renderConversation(prompt),
    expected === null ? "There is no reference answer: judge on the conversation alone." : block("reference_answer", expected),
    block("response_A", a),
    block("response_B", b),
    'Which response is better? Reply with {"winner": "A" | "B" | "tie", "rationale": "..."} only.',
  ].join("\n\n");
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}
