import type { JobView } from "../types";
import { resultRows } from "./results";
import { settingRows } from "./settings";
import { COMPARE_GROUPS, type CompareRow } from "./types";

export { COMPARE_GROUPS, type CompareGroup, type CompareRow } from "./types";

/** The compare page's table: every setting of the jobs (in group order), then their results. */
export function compareRows(jobs: readonly JobView[]): CompareRow[] {
  const settings = settingRows(jobs);
  const ordered = COMPARE_GROUPS.flatMap((g) => settings.filter((r) => r.group === g));
  return [...ordered, ...resultRows(jobs)];
}
