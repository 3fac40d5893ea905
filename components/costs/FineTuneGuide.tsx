"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { DatasetGuideAnswer } from "@/lib/cost/guide-dataset";
import type { GuideStatus } from "@/lib/cost/guide";
import { apiFetch, messageOf } from "../api-client";
import { Field } from "../ui/Field";
import { Notice } from "../ui/Notice";
import styles from "./costs.module.css";
import { replaceSearchParams } from "./url";

export type GuideDatasetOption = { id: string; name: string; exampleCount: number };

const ICON: Record<GuideStatus, string> = { ok: "✓", warn: "!", fail: "✗" };
const STATUS_WORD: Record<GuideStatus, string> = { ok: "OK", warn: "Check", fail: "Blocks" };
const VERDICT_TONE = { ready: "ok", caution: "warn", not_yet: "danger" } as const;

function Ladder() {
  return (
    <>
      <p style={{ margin: 0, fontSize: "0.9rem" }}>Climb one step at a time; stop at the first that works.</p>
      <ol className={styles.ladder} aria-label="Steps before fine-tuning">
        <li><span><strong>Prompting</strong>: clear instructions, a role, the output format spelled out.</span></li>
        <li><span><strong>Few-shot</strong>: add a handful of good input → output examples to the prompt.</span></li>
        <li><span><strong>RAG</strong>: retrieve the facts the model lacks (docs, tickets, prices) at request time.</span></li>
        <li><span><strong>Fine-tune</strong>: when the above still misses the behaviour, or costs too much at volume.</span></li>
      </ol>
      <div className={styles.whenLists}>
        <div>
          <h4>Fine-tune when</h4>
          <ul>
            <li>you need one consistent format, style or tone;</li>
            <li>you have many examples of one task;</li>
            <li>latency or cost matter at volume (shorter prompts, a smaller model);</li>
            <li>the task is one prompting cannot fix.</li>
          </ul>
        </div>
        <div>
          <h4>Do not, when</h4>
          <ul>
            <li>the knowledge changes: use RAG;</li>
            <li>you have fewer than 50 good examples;</li>
            <li>there is no evaluation set to measure by;</li>
            <li>prompting has not really been tried.</li>
          </ul>
        </div>
      </div>
    </>
  );
}

function Readiness({ datasetId }: { datasetId: string }) {
  const { data, error, isPending } = useQuery({
    queryKey: ["cost-guide", datasetId],
    queryFn: ({ signal }) => apiFetch<DatasetGuideAnswer>(`/api/costs/guide?dataset=${encodeURIComponent(datasetId)}`, { signal }),
  });
  if (isPending) return <p className="muted" aria-busy="true">Checking the dataset…</p>;
  if (error) return <Notice tone="danger" title="Could not check the dataset">{messageOf(error)}</Notice>;
  return (
    <div className="stack" style={{ gap: "0.75rem" }}>
      <ul className={styles.checklist} aria-label="Dataset checklist">
        {data.items.map((item) => (
          <li key={item.code} className={`${styles.check} ${styles[item.status]}`} data-status={item.status}>
            <span aria-hidden="true">{ICON[item.status]}</span>
            <div>
              <p>
                <strong>{item.label}</strong> <span className="visually-hidden">({STATUS_WORD[item.status]})</span>— {item.detail}
              </p>
              {item.todo ? <p className={styles.todo}>To do: {item.todo}</p> : null}
            </div>
          </li>
        ))}
      </ul>
      <Notice tone={VERDICT_TONE[data.verdict.level]} title={data.verdict.title} live={false}>
        {data.verdict.detail}
      </Notice>
      <p style={{ margin: 0, fontSize: "0.85rem" }}>
        <Link href={`/datasets/${datasetId}`}>Open the dataset</Link> to fix what is marked.
      </p>
    </div>
  );
}

export function FineTuneGuide({ datasets, initialDatasetId }: { datasets: GuideDatasetOption[]; initialDatasetId: string | null }) {
  const [datasetId, setDatasetId] = useState(initialDatasetId);
  const choose = (id: string) => {
    setDatasetId(id || null);
    replaceSearchParams({ dataset: id || null });
  };
  return (
    <div className="stack" style={{ gap: "1rem" }}>
      <Ladder />
      <h3 style={{ margin: 0, fontSize: "1rem" }}>Is your dataset ready?</h3>
      {datasets.length === 0 ? (
        <Notice tone="info" title="No datasets yet">
          <Link href="/datasets">Create or import a dataset</Link> to check it against these rules.
        </Notice>
      ) : (
        <>
          <Field id="guide-dataset" label="Dataset">
            {(c) => (
              <select {...c} className="input" value={datasetId ?? ""} onChange={(e) => choose(e.target.value)}>
                <option value="">Choose a dataset…</option>
                {datasets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} ({d.exampleCount.toLocaleString("en-US")} examples)
                  </option>
                ))}
              </select>
            )}
          </Field>
          {datasetId ? <Readiness datasetId={datasetId} /> : null}
        </>
      )}
    </div>
  );
}
