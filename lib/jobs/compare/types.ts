// One row of the compare page's table: a setting or a result, one cell per job (null where it does not apply to
// that job, shown as "—"). `differs` when the cells are not all the same, so the table can show only those.

export type CompareGroup = "Data" | "Model" | "OpenAI hyperparameters" | "LoRA" | "Training" | "Results";

/** The table's order. (Here, not in ./index.ts: the client table imports it, and index.ts reaches server modules.) */
export const COMPARE_GROUPS: readonly CompareGroup[] = ["Data", "Model", "OpenAI hyperparameters", "LoRA", "Training", "Results"];

export type CompareRow = {
  key: string;
  group: CompareGroup;
  label: string;
  cells: (string | null)[];
  differs: boolean;
  /** Results only: the job with the best figure (the lowest loss, the highest win rate), when they are not all equal. */
  best?: number;
  /** How the best figure is named beside it; "lowest" unless said. */
  bestLabel?: "lowest" | "highest";
};

export function row(key: string, group: CompareGroup, label: string, cells: (string | null)[]): CompareRow {
  return { key, group, label, cells, differs: new Set(cells).size > 1 };
}
