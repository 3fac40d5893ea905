// Response shapes the table reads. Type-only imports from lib (erased at build, so no server code reaches
// the browser bundle).
export type { ExampleRow, ExamplesPage } from "@/lib/datasets/query/list";
export type { DatasetFacets } from "@/lib/datasets/query/facets";

/** GET /api/datasets/[id]/analysis (absent → treated as not pending). */
export type { AnalysisProgress as AnalysisStatus } from "@/lib/datasets/analysis/progress";
