import type { JudgeCall } from "../types";
import { JudgeParseError } from "./errors";

// Reading a judge's reply. Judges are asked for one JSON object but do not always comply: they fence it, add a
// sentence before it, or answer in the MT-Bench style ("[[A]]") or "Winner: A". Each of those is unambiguous, so we
// accept it; anything else is an error (quoting the reply), never a guess — a guessed verdict would bias the win rate.

/** The JSON objects a reply may hold: the whole text, fenced blocks, and the outermost {...} span. */
export function jsonCandidates(raw: string): unknown[] {
  const texts = [raw.trim()];
  for (const m of raw.matchAll(/```(?:json)?\s*([\s\S]*?)```/gi)) texts.push(m[1]!.trim());
  const first = raw.indexOf("{");
  const last = raw.lastIndexOf("}");
  if (first >= 0 && last > first) texts.push(raw.slice(first, last + 1));
  const out: unknown[] = [];
  for (const t of texts) {
    try {
      const v = JSON.parse(t) as unknown;
      if (v && typeof v === "object" && !Array.isArray(v)) out.push(v);
    } catch {
      // not JSON; try the next candidate
    }
  }
  return out;
}

/** A field of a JSON object, matched case-insensitively ("Winner", "winner"). */
export function field(obj: unknown, ...names: string[]): unknown {
  const entries = Object.entries(obj as Record<string, unknown>);
  for (const name of names) {
    const hit = entries.find(([k]) => k.toLowerCase() === name);
    if (hit) return hit[1];
  }
  return undefined;
}

function winnerOf(value: unknown): JudgeCall["winner"] | null {
  if (typeof value !== "string") return null;
  const v = value.trim().toLowerCase().replace(/^(response|assistant|answer)[\s_-]*/, "");
  if (v === "a") return "A";
  if (v === "b") return "B";
  if (["tie", "draw", "equal", "both", "neither", "c"].includes(v)) return "tie";
  return null;
}

/** The judge's pairwise verdict (winner in the order shown: A first). Throws JudgeParseError when unclear. */
export function parseJudgeReply(raw: string): JudgeCall {
  for (const obj of jsonCandidates(raw)) {
    const winner = winnerOf(field(obj, "winner", "verdict", "better"));
    if (winner) {
      const rationale = field(obj, "rationale", "reason", "reasoning", "explanation");
      return { winner, rationale: typeof rationale === "string" ? rationale : "", raw };
    }
  }
  // "[[A]]" (MT-Bench; [[C]] is its tie) and "Winner: A" lines; several different answers are ambiguous.
  const found = new Set<JudgeCall["winner"]>();
  for (const m of raw.matchAll(/\[\[\s*(A|B|C|tie)\s*\]\]/gi)) found.add(winnerOf(m[1]!)!);
  // A and B must be capitals here: "Verdict: a tie" must not read as A.
  for (const m of raw.matchAll(/^\W*(?:[Ww]inner|WINNER|[Vv]erdict|VERDICT)\W*[:=]\W*(?:[Rr]esponse\s*|a\s+(?=tie))?(A|B|[Tt]ie|TIE)\b/gm)) {
    found.add(winnerOf(m[1]!)!);
  }
  if (found.size === 1) {
    const [winner] = [...found];
    return { winner: winner!, rationale: raw.trim(), raw };
  }
  throw new JudgeParseError("a winner (A, B or tie)", raw);
}
