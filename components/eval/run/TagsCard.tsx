import { Badge } from "@/components/ui/Badge";
import { Card } from "@/components/ui/Card";
import { Table } from "@/components/ui/Table";
import { formatInt } from "@/components/ui/format";
import styles from "../eval.module.css";
import type { EvalSummary } from "@/lib/eval/types";
import { metricRows } from "./MetricsCard";
import { METRIC_LABELS, percent, signedPoints, tagVerdictSentence } from "./words";

// Per-tag breakdown: fine-tuning often helps one kind of request and hurts another, and an overall average hides
// that. A tag is flagged when its win-rate interval or a metric's delta interval lies wholly on one side.

export function TagsCard({ summary }: { summary: EvalSummary }) {
  const sentence = tagVerdictSentence(summary.tags);
  return (
    <Card title="By tag" level={3} description="Rows carry the tags of their dataset example.">
      {summary.tags.length === 0 ? (
        <p className="muted">The examples have no tags. Tag examples in the dataset editor to see where the candidate gains or loses.</p>
      ) : (
        <>
          <p data-testid="tag-sentence">
            <strong>{sentence ?? "No tag stands out: every interval includes no change."}</strong>
          </p>
          <Table caption="Per-tag breakdown">
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col" className="num">Rows</th>
                <th scope="col" className="num">Win rate</th>
                <th scope="col">Metric deltas</th>
                <th scope="col">Flag</th>
              </tr>
            </thead>
            <tbody>
              {summary.tags.map((t) => (
                <tr key={t.tag} data-testid={`tag-row-${t.tag}`}>
                  <th scope="row" className={styles.rowHeader}>{t.tag}</th>
                  <td className="num">{formatInt(t.n)}</td>
                  <td className="num">{t.winRate ? `${percent(t.winRate.candidate, 0)} (${percent(t.winRate.ci[0], 0)}–${percent(t.winRate.ci[1], 0)})` : "—"}</td>
                  <td>
                    {metricRows(t.metrics)
                      .map((r) => `${METRIC_LABELS[r.metric]} ${signedPoints(r.m.delta)}`)
                      .join(" · ") || "—"}
                  </td>
                  <td>{t.regression ? <Badge tone="danger">worse</Badge> : t.improvement ? <Badge tone="ok">better</Badge> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </Card>
  );
}
