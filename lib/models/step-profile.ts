// A training step's time by phase (native/src/model/step_timeline.h) as people read it: the phases that took any
// time, largest first, each with its share of the step, then "other", the step's wall time outside every phase
// (host work between passes, waits). `tuneforge bench trainer --profile` prints it as aligned lines, a local job's
// log as one line; native/gpu/hf_rows.py's profile_line prints the same figures for check.sh's summary row.
import { STEP_PHASES, type StepProfileMs } from "../../native/index";

export type PhaseShare = { phase: string; ms: number; percent: number };

/** Phases that took any time, largest first, then "other"; percentages of the step's wall time. */
export function stepProfileShares(profile: StepProfileMs): PhaseShare[] {
  const step = profile.step;
  if (!(step > 0)) throw new Error("the profiled step has no wall time");
  const phases = STEP_PHASES.map((phase) => ({ phase: phase as string, ms: profile[phase] })).filter((p) => p.ms > 0);
  phases.sort((a, b) => b.ms - a.ms);
  const summed = step - phases.reduce((sum, p) => sum + p.ms, 0);
  const other = Math.abs(summed) < 1e-9 * step ? 0 : summed; // summation-order noise (hf_rows.py clears it too)
  return [...phases, { phase: "other", ms: other }].map((p) => ({ ...p, percent: (100 * p.ms) / step }));
}

/** Aligned lines for the bench's human output. */
export function formatStepProfile(profile: StepProfileMs): string[] {
  const shares = stepProfileShares(profile);
  const width = Math.max(...shares.map((s) => s.phase.length));
  return [
    `step by phase    ${profile.step.toFixed(2)} ms (the last step, marked; see --profile)`,
    ...shares.map((s) => `  ${s.phase.padEnd(width)}  ${s.ms.toFixed(2).padStart(9)} ms  ${s.percent.toFixed(1).padStart(5)} %`),
  ];
}

/** One job-log line: "Step 2 took 812 ms on the cuda backend: frozen matmuls 556 ms (68 %), …, other 1 ms (0 %)." */
export function stepProfileLine(step: number, backend: string, profile: StepProfileMs): string {
  const parts = stepProfileShares(profile).map((s) => `${s.phase.replaceAll("_", " ")} ${msText(s.ms)} (${Math.round(s.percent)} %)`);
  return `Step ${step} took ${msText(profile.step)} on the ${backend} backend: ${parts.join(", ")}.`;
}

// Whole milliseconds from 100 up, else three significant digits (native/gpu/hf_rows.py's ms_text is the same rule).
function msText(ms: number): string {
  return `${Math.abs(ms) >= 100 ? Math.round(ms) : Number(ms.toPrecision(3))} ms`;
}
