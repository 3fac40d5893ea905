import type { JobView } from "../types";
import { evaluationRows, type LatestEvaluation } from "./evaluations";
import { resultRows } from "./results";
import { settingRows } from "./settings";
import { COMPARE_GROUPS, type CompareRow } from "./types";

export { COMPARE_GROUPS, type CompareGroup, type CompareRow } from "./types";

export { latestEvaluations, type LatestEvaluation } from "./evaluations";

/** The compare page's table: every setting of the jobs (in group order), then their results and evaluations. */
export function compareRows(jobs: readonly JobView[], evaluations: readonly LatestEvaluation[] = []): CompareRow[] {
  const settings = settingRows(jobs);
  const ordered = COMPARE_GROUPS.flatMap((g) => settings.filter((r) => r.group === g));
  return [...ordered, ...resultRows(jobs), ...evaluationRows(jobs, evaluations)];
}
