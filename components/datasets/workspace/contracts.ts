import type { DatasetDetail } from "@/lib/datasets/get";

// Props between the dataset workspace and its panels. Each panel lives in its own folder under
// components/datasets/ and talks to the API itself (react-query); the workspace only routes between them
// through the URL (?tab=…&example=…), so every view can be linked to and reloaded.

/** What the server page knows about the dataset when it renders. */
export type DatasetSummary = Pick<
  DatasetDetail,
  "id" | "name" | "description" | "isSample" | "updatedAt" | "exampleCount" | "validationCount" | "tokenCount" | "countModel"
>;

export const WORKSPACE_TABS = ["examples", "import", "stats", "versions"] as const;
export type WorkspaceTab = (typeof WORKSPACE_TABS)[number];

/**
 * React Query keys. Everything about a dataset sits under ["datasets", id], so one invalidation of that
 * prefix after any change (edit, bulk action, import, split, freeze) refreshes every panel.
 */
export const datasetKeys = {
  all: (datasetId: string) => ["datasets", datasetId] as const,
  examples: (datasetId: string, query: unknown) => ["datasets", datasetId, "examples", query] as const,
  example: (datasetId: string, exampleId: string) => ["datasets", datasetId, "example", exampleId] as const,
  analysis: (datasetId: string) => ["datasets", datasetId, "analysis"] as const,
  stats: (datasetId: string) => ["datasets", datasetId, "stats"] as const,
  versions: (datasetId: string) => ["datasets", datasetId, "versions"] as const,
  imports: (datasetId: string) => ["datasets", datasetId, "imports"] as const,
};

export type ExamplesViewProps = {
  datasetId: string;
  /** Opens the editor on a row (sets ?example=). */
  onOpenExample: (exampleId: string) => void;
  /** The example open in the editor, highlighted in the table. */
  openExampleId: string | null;
  /** Row ids in the table's current order (sort/filter), so the editor can step to the next/previous row. */
  onOrderChange: (ids: string[]) => void;
};

export type ExampleEditorProps = {
  datasetId: string;
  exampleId: string;
  onClose: () => void;
  /** Step to the previous (-1) or next (+1) row of the table; null when there is none. */
  onNavigate: ((delta: -1 | 1) => void) | null;
};

export type BulkActionsBarProps = {
  datasetId: string;
  selectedIds: string[];
  /** Clears the table's selection after an action. */
  onDone: () => void;
};

export type PanelProps = { datasetId: string };
