// Response shapes of the statistics and analysis endpoints, as the panel reads them (JSON of
// lib/datasets/stats/stats.ts and lib/datasets/analysis/progress.ts; type-only imports, nothing server-side).
export type { DatasetStats, DuplicateCluster, ClusterRow } from "@/lib/datasets/stats/stats";
export type { AnalysisProgress } from "@/lib/datasets/analysis/progress";
export type { Histogram, Bucket } from "@/lib/datasets/stats/histogram";
export type { ReadinessItem } from "@/lib/datasets/stats/readiness";
