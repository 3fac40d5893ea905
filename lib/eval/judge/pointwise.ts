import type { ChatMessage } from "../types";
import { JudgeParseError } from "./errors";
import { field, jsonCandidates } from "./parse";
import { block, renderConversation, renderTools } from "./render";

// Pointwise grading, as the seed's llm_judge(response, expected): one response scored 1..10 against the expected
// answer. It complements the pairwise verdict with an absolute level (two bad models can still "win" pairwise).

export type PointwiseInput = { prompt: ChatMessage[]; tools?: unknown[] | null; expected: string | null; response: string };

/** The system + user messages asking the judge to score one response from 1 to 10. */
export function pointwiseJudgeMessages({ prompt, tools, expected, response }: PointwiseInput): ChatMessage[] {
  const system = [
    "You are an impartial judge grading an AI assistant's response.",
    "Score it from 1 (wrong or useless) to 10 (fully correct, complete and well formatted)" +
      (expected === null ? "." : ", using the reference answer as the standard for correctness."),
    'Reply with ONE JSON object and nothing else: {"score": <integer 1-10>, "rationale": "<one or two sentences>"}',
  ].join("\n");
  const user = [
    renderTools(tools) + renderConversation(prompt),
    expected === null ? "There is no reference answer." : block("reference_answer", expected),
    block("response", response),
    'Reply with {"score": n, "rationale": "..."} only.',
  ].join("\n\n");
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}

function scoreOf(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 1 && n <= 10 ? n : null;
}

/** The judge's score (1..10) and rationale: a JSON object (fenced or surrounded by text is fine), or a
 * "Score: 7", "7/10" or "[[7]]" line. Throws JudgeParseError when there is no single score in range. */
export function parsePointwiseReply(raw: string): { score: number; rationale: string } {
  for (const obj of jsonCandidates(raw)) {
    const score = scoreOf(field(obj, "score", "rating", "grade"));
    if (score !== null) {
      const rationale = field(obj, "rationale", "reason", "reasoning", "explanation");
      return { score, rationale: typeof rationale === "string" ? rationale : "" };
    }
  }
  const found = new Set<number>();
  const patterns = [/\[\[\s*(\d+(?:\.\d+)?)\s*\]\]/g, /\bscore\W*[:=]\W*(\d+(?:\.\d+)?)/gi, /\b(\d+(?:\.\d+)?)\s*\/\s*10\b/g];
  for (const re of patterns) for (const m of raw.matchAll(re)) {
    const s = scoreOf(m[1]);
    if (s !== null) found.add(s);
  }
  if (found.size === 1) return { score: [...found][0]!, rationale: raw.trim() };
  throw new JudgeParseError("a score from 1 to 10", raw);
}
