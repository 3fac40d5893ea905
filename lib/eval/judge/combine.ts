import type { JudgeCall, Verdict } from "../types";

// Position-fair verdict. The judge is asked twice: forward (candidate shown as A) and swapped (candidate shown as
// B). A judge with a position bias answers "A" both times; only a preference that survives the swap is a win or a
// loss. Two ties are a tie; any other mix (a flip, or a tie one way and a win the other) is "inconsistent", which
// the summary counts as half a win, like a tie, but keeps visible so a biased judge shows up.

/** Combines the two orders into one verdict about the candidate. */
export function combineVerdicts(forward: JudgeCall, swapped: JudgeCall): Verdict {
  const f = forward.winner;
  const s = swapped.winner;
  if (f === "A" && s === "B") return "candidate";
  if (f === "B" && s === "A") return "baseline";
  if (f === "tie" && s === "tie") return "tie";
  return "inconsistent";
}
