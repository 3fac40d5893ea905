import { analyzeDataset } from "../../lib/datasets/analysis/run";
import { runDatasetImport } from "../../lib/datasets/import/run";
import { createProcessor } from "../../lib/queue/dispatch";
import type { ProcessorDeps } from "./index";

// Dataset work off the request path: writing a staged import, then analysing the rows (tokens, duplicates,
// leakage). Each job hands off to one lib function, which checks the row's state first (jobs can repeat).
export function datasetsProcessor(deps: ProcessorDeps) {
  return createProcessor(
    "datasets",
    {
      "datasets.import": (payload) => runDatasetImport({ db: deps.db, importId: payload.importId }),
      "datasets.analyze": (payload) => analyzeDataset({ db: deps.db, datasetId: payload.datasetId, revision: payload.revision }),
    },
    deps.log,
  );
}
