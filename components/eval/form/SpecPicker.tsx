"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/api-client";
import type { FieldControlProps } from "@/components/ui/Field";
import { Input } from "@/components/ui/Input";
import styles from "../eval.module.css";

// A model spec is text (job:<id>, local:<model>[+<adapter>], openai:<model>, endpoint:<url>#<model>); the picker
// beside it fills the text from what exists here — succeeded jobs, local model folders, OpenAI models in the
// price table — and the text stays editable for anything else (an adapter, an endpoint).

export type EvalJobOption = { id: string; provider: "openai" | "local"; label: string };
export type SpecOptions = { jobs: EvalJobOption[]; openaiModels: string[] };

type ModelsResponse = { models: { name: string; hasChatTemplate: boolean }[] };

export function useLocalModels() {
  return useQuery({ queryKey: ["models", "list"], queryFn: () => apiFetch<ModelsResponse>("/api/models").then((r) => r.models), staleTime: 60_000, retry: false });
}

export function SpecPicker({ control, value, onChange, options, pickLabel, placeholder }: {
  control: FieldControlProps;
  value: string;
  onChange: (spec: string) => void;
  options: SpecOptions;
  pickLabel: string;
  placeholder: string;
}) {
  const { data: models } = useLocalModels();
  return (
    <div className={styles.specRow}>
      <select className="input" aria-label={pickLabel} value="" onChange={(e) => e.target.value && onChange(e.target.value)}>
        <option value="">Pick…</option>
        {options.jobs.length ? (
          <optgroup label="Succeeded jobs">
            {options.jobs.map((j) => (
              <option key={j.id} value={`job:${j.id}`}>
                {j.label}
              </option>
            ))}
          </optgroup>
        ) : null}
        {models?.length ? (
          <optgroup label="Local models">
            {models.map((m) => (
              <option key={m.name} value={`local:${m.name}`}>
                local:{m.name}
              </option>
            ))}
          </optgroup>
        ) : null}
        {options.openaiModels.length ? (
          <optgroup label="OpenAI">
            {options.openaiModels.map((m) => (
              <option key={m} value={`openai:${m}`}>
                openai:{m}
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
      <Input {...control} className="mono" value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} autoComplete="off" spellCheck={false} />
    </div>
  );
}
