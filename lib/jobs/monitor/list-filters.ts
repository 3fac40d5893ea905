import { parseCursor } from "../../db/newest-first";
import type { JobListFilters } from "../list";
import { JOB_STATUSES, type JobStatusName } from "../types";

// The jobs list keeps its filters and page in the URL (?status=running,failed&provider=openai&model=mini
// &dataset=<id>&before=<cursor>), so a filtered list can be bookmarked and shared. Unknown values are dropped rather
// than refused: a stale link still opens the list.


type Params = Record<string, string | string[] | undefined>;

const values = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);

export function parseJobListFilters(params: Params): JobListFilters {
  const status = values(params.status).filter((s): s is JobStatusName => (JOB_STATUSES as readonly string[]).includes(s));
  const provider = values(params.provider)[0];
  const model = values(params.model).join(",").slice(0, 200);
  const dataset = values(params.dataset)[0];
  const before = values(params.before)[0];
  return {
    ...(status.length ? { status } : {}),
    ...(provider === "openai" || provider === "local" ? { provider } : {}),
    ...(model ? { model } : {}),
    ...(dataset ? { datasetId: dataset } : {}),
    ...(before && parseCursor(before) ? { before } : {}),
  };
}

/** The query string for filters (the inverse of parseJobListFilters), "" when none. */
export function jobListQuery(f: JobListFilters): string {
  const q = new URLSearchParams();
  if (f.status?.length) q.set("status", f.status.join(","));
  if (f.provider) q.set("provider", f.provider);
  if (f.model) q.set("model", f.model);
  if (f.datasetId) q.set("dataset", f.datasetId);
  if (f.before) q.set("before", f.before);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Compare page ids: ?ids=a,b,c, deduplicated, at most `max`. */
export function parseCompareIds(v: string | string[] | undefined, max = 8): string[] {
  return [...new Set(values(v))].slice(0, max);
}
