"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ModelPreview } from "@/lib/models/preview-request";
import { apiFetch, messageOf } from "../api-client";
import { Field } from "../ui/Field";
import { useDebounced } from "../ui/useDebounced";
import { Input } from "../ui/Input";
import { Notice } from "../ui/Notice";
import { TokenPreview } from "./TokenPreview";
import styles from "./tokens.module.css";
import { useModels } from "./useModels";

// The preview with its controls: which local model's tokenizer and template, and the max sequence length.
// Used by the dataset editor (the example as edited) and the launch form (a line of the frozen version).

export type PreviewSource =
  | { messages: unknown[]; tools?: unknown[] | null }
  | { exampleId: string }
  | { versionExample: { datasetVersionId: string; split: "train" | "validation"; line: number } };

type Props = {
  source: PreviewSource;
  /** Fixed model (the launch form's base model); without it a picker lists the local models. */
  model?: string;
  maxSeqLen?: number;
  idPrefix?: string;
};

export function TokenPreviewPanel({ source, model: fixedModel, maxSeqLen: fixedMax, idPrefix = "preview" }: Props) {
  const models = useModels();
  const usable = (models.data?.models ?? []).filter((m) => m.hasTokenizer && m.hasChatTemplate && !m.error);
  const [picked, setPicked] = useState("");
  const model = fixedModel ?? (picked || usable[0]?.name || "");
  const [maxText, setMaxText] = useState(String(fixedMax ?? 2048));
  useEffect(() => {
    if (fixedMax !== undefined) setMaxText(String(fixedMax));
  }, [fixedMax]);
  const maxSeqLen = Number(maxText);
  const validMax = Number.isInteger(maxSeqLen) && maxSeqLen >= 2;
  // Debounced: the editor's source changes on every key press.
  const body = useDebounced({ ...source, ...(validMax ? { maxSeqLen } : {}) }, 300);
  const preview = useQuery<ModelPreview>({
    queryKey: ["models", model, "preview", body],
    queryFn: ({ signal }) => apiFetch<{ preview: ModelPreview }>(`/api/models/${encodeURIComponent(model)}/preview`, { method: "POST", body, signal }).then((r) => r.preview),
    enabled: !!model,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });

  return (
    <div className={styles.preview}>
      <div className={styles.picker}>
        {fixedModel === undefined ? (
          <Field id={`${idPrefix}-model`} label="Model (tokenizer + chat template)">
            {(p) => (
              <select {...p} className="input" value={model} onChange={(e) => setPicked(e.target.value)} disabled={usable.length === 0}>
                {usable.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {fixedMax === undefined ? (
          <Field id={`${idPrefix}-max`} label="Max sequence length" error={validMax ? undefined : "a whole number, at least 2"}>
            {(p) => <Input {...p} className="mono" value={maxText} onChange={(e) => setMaxText(e.target.value)} inputMode="numeric" style={{ width: "8rem" }} />}
          </Field>
        ) : null}
      </div>
      {models.isPending ? <p className="muted">Loading models…</p> : null}
      {!models.isPending && !model ? (
        <Notice tone="warn" title="No local model to tokenize with">
          Put a Hugging Face model folder with tokenizer.json and a chat template into the models directory (see the Models page).
        </Notice>
      ) : null}
      {preview.error ? <Notice tone="danger" title="Preview failed">{messageOf(preview.error)}</Notice> : null}
      {preview.data ? (
        <div aria-busy={preview.isFetching} style={{ opacity: preview.isPlaceholderData ? 0.6 : 1 }}>
          {preview.data.versionLine ? (
            <p className="muted" style={{ margin: "0 0 0.5rem" }}>
              {preview.data.versionLine.split} line {preview.data.versionLine.line} of {preview.data.versionLine.of}, tokenized with <strong>{preview.data.model}</strong>
              {preview.data.contextLength ? ` (context ${preview.data.contextLength})` : ""}
            </p>
          ) : null}
          <TokenPreview preview={preview.data} />
        </div>
      ) : preview.isFetching ? (
        <p className="muted" aria-busy="true">Tokenizing…</p>
      ) : null}
    </div>
  );
}
