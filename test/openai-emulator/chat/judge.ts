import { overlapF1 } from "./overlap";

// The judge the emulator plays when a request's system message asks for a JSON verdict (tuneforge's
// pairwise and pointwise judge prompts, lib/eval/judge): it reads the reference answer and the responses out
// of the user message and prefers the response with more token overlap with the reference. The choice
// depends on the texts only, never on which one is shown first, so swapping A and B swaps the verdict — a
// position-fair judge. (A position-biased one is scripted with a control rule.)

type Msg = { role: string; content: string };

export type JudgeKind = "pairwise" | "pointwise";

export function judgeKind(messages: Msg[]): JudgeKind | null {
  const system = messages.filter((m) => m.role === "system" || m.role === "developer").map((m) => m.content).join("\n");
  if (!/json/i.test(system)) return null;
  if (/"winner"/.test(system)) return "pairwise";
  if (/"score"/.test(system)) return "pointwise";
  return null;
}

/**
 * The text of a labelled section of the judge's user message: a tagged block (<reference_answer> … </reference_answer>,
 * as lib/eval/judge/render.ts writes them) or, for hand-written prompts, a Markdown-ish header line ("## Response A").
 */
export function section(text: string, labels: RegExp): string | null {
  for (const m of text.matchAll(/<([A-Za-z][\w-]*)>\n?([\s\S]*?)\n?<\/\1>/g)) {
    if (labels.test(m[1]!.replace(/[_-]/g, " "))) return m[2]!.replaceAll(`<\\/${m[1]}>`, `</${m[1]}>`);
  }
  const lines = text.split("\n");
  const isHeader = (line: string) => /^\s*(?:#{1,6}\s*|\[|=+\s*|\*\*)[A-Za-z][A-Za-z _()-]{0,40}(?:\]|\s*=+|\*\*)?\s*:?\s*$/.test(line);
  const start = lines.findIndex((l) => isHeader(l) && labels.test(l.replace(/[^A-Za-z ]/g, " ").replace(/\s+/g, " ").trim()));
  if (start < 0) return null;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (isHeader(line)) break;
    body.push(line);
  }
  return body.join("\n").trim();
}

const REFERENCE = /reference|expected/i;
const RESPONSE_A = /response[ _]?a\b/i;
const RESPONSE_B = /response[ _]?b\b/i;
const RESPONSE = /^response$/i;

export function pairwiseVerdict(user: string): { winner: "A" | "B" | "tie"; rationale: string } {
  const reference = section(user, REFERENCE);
  const a = section(user, RESPONSE_A) ?? "";
  const b = section(user, RESPONSE_B) ?? "";
  if (reference === null) return { winner: "tie", rationale: "No reference answer to compare against." };
  const sa = overlapF1(a, reference);
  const sb = overlapF1(b, reference);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  if (Math.abs(sa - sb) < 1e-9) return { winner: "tie", rationale: `Both responses match the reference equally (${pct(sa)} token overlap).` };
  return sa > sb
    ? { winner: "A", rationale: `Response A is closer to the reference (${pct(sa)} vs ${pct(sb)} token overlap).` }
    : { winner: "B", rationale: `Response B is closer to the reference (${pct(sb)} vs ${pct(sa)} token overlap).` };
}

export function pointwiseScore(user: string): { score: number; rationale: string } {
  const reference = section(user, REFERENCE) ?? "";
  const response = section(user, RESPONSE) ?? "";
  const f = overlapF1(response, reference);
  return { score: 1 + Math.round(9 * f), rationale: `${Math.round(f * 100)}% token overlap with the expected answer.` };
}
