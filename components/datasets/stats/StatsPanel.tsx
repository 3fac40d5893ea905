"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname } from "next/navigation";
import { useEffect, useRef } from "react";
import { apiFetch } from "@/components/api-client";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/EmptyState";
import { formatInt, formatUsd } from "@/components/ui/format";
import { Notice } from "@/components/ui/Notice";
import { datasetKeys, type PanelProps } from "../workspace/contracts";
import { AnalysisProgressBar } from "./AnalysisProgressBar";
import { BarsChart, type BarItem } from "./BarsChart";
import { CountModelSelect } from "./CountModelSelect";
import { DuplicateClusters } from "./DuplicateClusters";
import { HistogramChart } from "./HistogramChart";
import { ReadinessList } from "./ReadinessList";
import type { AnalysisProgress, DatasetStats } from "./types";
import styles from "./stats.module.css";

const ISSUE_TONE = { error: "danger", warning: "warn" } as const;
/** Tags beyond this many would make bars too thin to read; the rest are counted in a note. */
const MAX_TAG_BARS = 12;

/** Polls the analysis while it runs; when it finishes, everything about the dataset is refetched. */
function useAnalysis(datasetId: string) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: datasetKeys.analysis(datasetId),
    queryFn: () => apiFetch<AnalysisProgress>(`/api/datasets/${encodeURIComponent(datasetId)}/analysis`),
    refetchInterval: (q) => (q.state.data?.pending ? 1_000 : false),
  });
  const wasPending = useRef(false);
  const pending = query.data?.pending ?? false;
  useEffect(() => {
    if (wasPending.current && !pending) void queryClient.invalidateQueries({ queryKey: datasetKeys.stats(datasetId) });
    wasPending.current = pending;
  }, [pending, datasetId, queryClient]);
  return query;
}

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className={styles.figure}>
      <dt>{label}</dt>
      <dd>
        <span className={styles.figureValue}>{value}</span>
        {hint ? <span className={styles.figureHint}>{hint}</span> : null}
      </dd>
    </div>
  );
}

export function StatsPanel({ datasetId }: PanelProps) {
  const pathname = usePathname();
  const analysis = useAnalysis(datasetId);
  const pending = analysis.data?.pending ?? false;
  const stats = useQuery({
    queryKey: datasetKeys.stats(datasetId),
    queryFn: () => apiFetch<DatasetStats>(`/api/datasets/${encodeURIComponent(datasetId)}/stats`),
    // While counting, the token figures grow: refresh them every few seconds.
    refetchInterval: pending ? 3_000 : false,
  });

  if (stats.isPending) return <p className="muted" role="status">Loading statistics…</p>;
  if (stats.error) return <Notice tone="danger" title="Statistics could not be loaded">{stats.error.message}</Notice>;
  const s = stats.data;

  if (s.examples === 0) {
    return (
      <EmptyState icon="▥" title="No statistics yet">
        <p className="muted">This dataset has no examples. Import a JSONL or CSV file on the Import tab, and token counts, duplicates and a readiness check appear here.</p>
      </EmptyState>
    );
  }

  const counted = analysis.data?.counted ?? s.counted;
  const issues: BarItem[] = s.issuesByCode.map((i) => ({ label: i.code, count: i.count, tone: ISSUE_TONE[i.severity] }));
  const shownTags = s.tags.slice(0, MAX_TAG_BARS);
  const tags: BarItem[] = [...shownTags.map((t) => ({ label: t.tag, count: t.count })), ...(s.untagged > 0 ? [{ label: "(untagged)", count: s.untagged, tone: "muted" as const }] : [])];
  const moreTags = s.distinctTags - shownTags.length;

  return (
    <div className={styles.panel}>
      <Card
        title="Readiness"
        description="What OpenAI's fine-tuning guide and the data checks say about this dataset."
        actions={<CountModelSelect datasetId={datasetId} countModel={s.countModel} />}
      >
        {pending || analysis.data?.error ? <AnalysisProgressBar progress={analysis.data!} counted={counted} /> : null}
        <ReadinessList items={s.readiness} />
      </Card>

      <Card title="Summary" description={`Tokens counted with ${s.countModel}'s tokenizer; billing per OpenAI's cookbook (validation examples are not billed).`}>
        <dl className={styles.figures} aria-label="Summary figures">
          <Figure label="Examples" value={formatInt(s.examples)} hint={s.kinds.preference > 0 ? `${formatInt(s.kinds.chat)} chat · ${formatInt(s.kinds.preference)} preference` : undefined} />
          <Figure label="Train / validation" value={`${formatInt(s.splits.train)} / ${formatInt(s.splits.validation)}`} hint={s.splits.test > 0 ? `${formatInt(s.splits.test)} test` : undefined} />
          <Figure label="Total tokens" value={formatInt(s.totalTokens)} hint={s.counted < s.examples ? `${formatInt(s.counted)} of ${formatInt(s.examples)} counted` : `limit ${formatInt(s.tokenLimit)} each`} />
          <Figure label="Billed tokens" value={formatInt(s.billing.billedTokens)} hint={`${formatInt(s.billing.tokensPerEpoch)} × ${s.billing.epochs} epoch${s.billing.epochs === 1 ? "" : "s"}`} />
          <Figure
            label="Estimated cost"
            value={s.billing.usd === null ? "—" : formatUsd(s.billing.usd)}
            hint={s.billing.usdPerMTok === null ? "no price for this model in the price table" : `${formatUsd(s.billing.usdPerMTok)} / 1M tokens`}
          />
          <Figure label="Over the limit" value={formatInt(s.overLimit)} hint={s.withErrors > 0 ? `${formatInt(s.withErrors)} with errors` : "no format errors"} />
        </dl>
      </Card>

      <section className={styles.charts} aria-label="Charts">
        <HistogramChart title="Tokens per example" unit="tokens" histogram={s.tokensPerExample} limit={{ value: s.tokenLimit, label: "Token limit" }} empty="not counted yet" />
        <HistogramChart title="Assistant tokens per example" unit="tokens" histogram={s.assistantTokens} empty="not counted yet" />
        <HistogramChart title="Messages per example" unit="messages" histogram={s.messagesPerExample} empty="no messages" />
        <BarsChart title="Tags" items={tags} empty="No example is tagged yet." note={moreTags > 0 ? `and ${formatInt(moreTags)} more tag${moreTags === 1 ? "" : "s"}` : undefined} />
        <BarsChart title="Issues by code" items={issues} empty="No issues found." />
      </section>

      <Card title="Duplicates" description={`${formatInt(s.duplicates.exactRows)} exact and ${formatInt(s.duplicates.nearRows)} near-duplicate examples${s.duplicates.leakedRows ? `, ${formatInt(s.duplicates.leakedRows)} validation examples sharing a training prompt` : ""}. Open one to edit or delete it.`}>
        <DuplicateClusters clusters={s.duplicates.clusters} pathname={pathname} truncated={s.duplicates.truncated} />
      </Card>
    </div>
  );
}
