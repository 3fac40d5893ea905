import { Card } from "../../ui/Card";
import { ExportLinks } from "./ExportLinks";

/** The working set as it is now, per split (not frozen: for a file that never changes, freeze a version). */
export function WorkingExportCard({ datasetId }: { datasetId: string }) {
  return (
    <Card title="Export working set" description="Current rows as OpenAI chat JSONL. “all” is train, then validation, then test." level={3}>
      <ExportLinks datasetId={datasetId} source="working" splits={["train", "validation", "test", "all"]} />
    </Card>
  );
}
