"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { apiFetch } from "@/components/api-client";
import { Notice } from "@/components/ui/Notice";
import { datasetKeys } from "../workspace/contracts";
import styles from "./stats.module.css";

type PriceTable = { prices: { model: string; provider: string }[] };
type ModelScan = { models: { name: string; hasTokenizer: boolean; hasChatTemplate: boolean; error?: string }[] };

/**
 * The model whose tokenizer counts this dataset (and whose per-example limit and price apply). Changing it
 * clears every count; the background analysis recounts and the panel shows the progress.
 */
export function CountModelSelect({ datasetId, countModel }: { datasetId: string; countModel: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const prices = useQuery({ queryKey: ["prices"], queryFn: () => apiFetch<PriceTable>("/api/prices"), staleTime: 60_000 });
  const models = useQuery({ queryKey: ["models"], queryFn: () => apiFetch<ModelScan>("/api/models"), staleTime: 60_000 });
  const change = useMutation({
    mutationFn: (model: string) => apiFetch(`/api/datasets/${encodeURIComponent(datasetId)}`, { method: "PATCH", body: { countModel: model } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: datasetKeys.all(datasetId) }),
  });

  const openai = (prices.data?.prices ?? []).filter((p) => p.provider === "openai").map((p) => p.model);
  const local = (models.data?.models ?? []).filter((m) => m.hasTokenizer && m.hasChatTemplate && !m.error).map((m) => `local:${m.name}`);
  // The current model stays selectable even if the table no longer lists it.
  const options = [...new Set([countModel, ...openai])];
  const value = change.isPending && change.variables ? change.variables : countModel;

  return (
    <div className={styles.modelPicker}>
      <label htmlFor={id} className={styles.modelLabel}>
        Count tokens for
      </label>
      <select id={id} className={`input ${styles.modelSelect}`} value={value} disabled={change.isPending} onChange={(e) => change.mutate(e.target.value)}>
        <optgroup label="OpenAI">
          {options.filter((m) => !m.startsWith("local:")).map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </optgroup>
        {local.length > 0 || countModel.startsWith("local:") ? (
          <optgroup label="Local models">
            {[...new Set([...(countModel.startsWith("local:") ? [countModel] : []), ...local])].map((m) => (
              <option key={m} value={m}>
                {m.slice("local:".length)}
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
      {change.error ? <Notice tone="danger">{change.error.message}</Notice> : null}
    </div>
  );
}
