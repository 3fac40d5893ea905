"use client";

import type { MemoryParts } from "@/lib/models/memory";
import { FitBadge } from "../../models/FitBadge";
import { formatBytes } from "../../models/format";
import { Card } from "../../ui/Card";
import { Notice } from "../../ui/Notice";
import { formatInt } from "../../ui/format";
import type { LocalEstimate } from "./local-api";
import styles from "./launch.module.css";

// Local training costs no money but time and memory: tokens per epoch with the model's own tokenizer, the
// trainer's steps, the memory of the chosen method part by part, and whether it fits where workers run.

const PARTS: { key: keyof MemoryParts; label: string }[] = [
  { key: "weights", label: "Weights" },
  { key: "lora", label: "LoRA params" },
  { key: "optimizer", label: "Optimizer (AdamW)" },
  { key: "gradients", label: "Gradients" },
  { key: "activations", label: "Activations" },
];

/** `counting`: what the first answer tokenizes (the version's train split, the model), said while it is awaited. */
type Props = { estimate: LocalEstimate | undefined; error: string | null; pending: boolean; stale: boolean; epochs: string; batchSize: string; counting?: { units: number; pairs: boolean; model: string } };

export function LocalEstimatePanel({ estimate: e, error, pending, stale, epochs, batchSize, counting }: Props) {
  const chosen = e?.memory.find((m) => m.method === e.method);
  // DPO counts preference pairs: two sequences each, both in the micro-batch's passes.
  const pairs = e?.dataset?.preference ?? false;
  return (
    <Card title="Estimate" description="Counted with the base model's tokenizer and chat template over the version's train split." level={2}>
      <div aria-live="polite" aria-busy={pending || stale} className={stale ? styles.stale : undefined} data-testid="local-estimate">
        {error ? <Notice tone="danger">{error}</Notice> : null}
        {!e && pending ? (
          <p className="muted" data-testid="local-counting">
            {counting
              ? `Counting the tokens of ${formatInt(counting.units)} ${counting.pairs ? "preference pairs" : "examples"} with ${counting.model}'s tokenizer and chat template… (the first count of a large version takes a few seconds; changed settings reuse it)`
              : "Counting tokens…"}
          </p>
        ) : null}
        {e ? (
          <>
            <dl className={styles.sum}>
              <dt>{pairs ? "Training pairs" : "Training examples"}</dt>
              <dd data-testid="local-units">{e.dataset ? formatInt(e.dataset.examples) : "—"}</dd>
              <dt>Tokens per epoch</dt>
              <dd data-testid="local-tokens">{e.dataset ? formatInt(e.dataset.tokensPerEpoch) : "—"}</dd>
              <dt>of which trained</dt>
              <dd data-testid="local-trained-tokens">{e.dataset ? formatInt(e.dataset.trainedTokensPerEpoch) : "—"}</dd>
              <dt>Sequences per epoch{pairs ? " (2 per pair)" : e.dataset && e.dataset.rows !== e.dataset.examples ? " (packed ≈)" : ""}</dt>
              <dd data-testid="local-sequences">{e.dataset ? formatInt(pairs ? 2 * e.dataset.examples : e.dataset.rows) : "—"}</dd>
              <dt>Steps per epoch</dt>
              <dd data-testid="local-steps-per-epoch">{e.stepsPerEpoch ?? "—"}</dd>
              <dt>× Epochs</dt>
              <dd>{epochs}</dd>
              <dt className={styles.total}>= Optimizer steps</dt>
              <dd className={styles.total} data-testid="local-total-steps">{e.totalSteps ?? "—"}</dd>
            </dl>
            {e.dataset && e.dataset.truncatedExamples > 0 ? (
              <p className={styles.small}>
                {formatInt(e.dataset.truncatedExamples)} {pairs ? "pair(s) have a sequence" : "example(s) are"} longer than {formatInt(e.seqLen)} tokens: {formatInt(e.dataset.truncatedTokens)} tokens are cut off.
              </p>
            ) : null}
            {chosen ? (
              <>
                <h3 className={styles.subhead}>
                  Memory ({e.method === "qlora" ? "QLoRA, NF4" : "LoRA"}, {e.precision === "fp32" ? "CPU backend, fp32" : "GPU, bf16"}) at {formatInt(e.memorySeqLen)} tokens × {pairs ? `micro-batch ${batchSize} pairs = ${formatInt(2 * (Number(batchSize) || 0))} sequences (DPO)` : `micro-batch ${batchSize}`}
                </h3>
                <dl className={styles.sum} data-testid="local-memory">
                  {PARTS.map((p) => (
                    <div key={p.key} style={{ display: "contents" }}>
                      <dt>{p.label}</dt>
                      <dd>{formatBytes(chosen.parts[p.key])}</dd>
                    </div>
                  ))}
                  <dt className={styles.total}>= Total</dt>
                  <dd className={styles.total} data-testid="local-memory-total">{formatBytes(chosen.total)}</dd>
                </dl>
                <div className={styles.fitList} data-testid="local-fit">
                  {!e.workersKnown ? (
                    <span className="muted">Workers unknown (Redis unreachable).</span>
                  ) : e.fit.length === 0 ? (
                    <span className="muted">No worker has reported its GPUs or RAM yet.</span>
                  ) : (
                    e.fit.map((v) => <FitBadge key={`${v.hostname}-${v.label}`} verdict={v} />)
                  )}
                </div>
              </>
            ) : null}
            {e.issues.length > 0 ? (
              <Notice tone="warn" title="Check before launching">
                <ul className={styles.issues} data-testid="local-issues">
                  {e.issues.map((i) => (
                    <li key={`${i.field}-${i.message}`}>{i.message}</li>
                  ))}
                </ul>
              </Notice>
            ) : null}
          </>
        ) : null}
      </div>
    </Card>
  );
}
