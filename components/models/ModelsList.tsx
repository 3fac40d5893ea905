"use client";

import { useState } from "react";
import type { LocalModel } from "@/lib/models/scan";
import { messageOf } from "../api-client";
import { useModels } from "../tokens/useModels";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { EmptyState } from "../ui/EmptyState";
import { Notice } from "../ui/Notice";
import { Table } from "../ui/Table";
import { formatInt } from "../ui/format";
import { formatParams } from "./format";
import { MemoryPanel } from "./MemoryPanel";
import styles from "./models.module.css";

function Yes({ ok, yes, no }: { ok: boolean; yes: string; no: string }) {
  return ok ? <Badge tone="ok">✓ {yes}</Badge> : <Badge tone="warn">✗ {no}</Badge>;
}

function Architecture({ m }: { m: LocalModel }) {
  if (m.error) return <span className="status-item-bad">{m.error}</span>;
  return (
    <>
      {m.architecture ?? <span className="muted">—</span>}
      {m.modelType ? <span className="muted"> ({m.modelType})</span> : null}
    </>
  );
}

export function ModelsList() {
  const { data, error, isPending, refetch, isFetching } = useModels();
  const [selected, setSelected] = useState<string | null>(null);

  if (isPending) return <p className="muted" aria-busy="true">Scanning the models directory…</p>;
  if (error) return <Notice tone="danger" title="Could not scan models">{messageOf(error)}</Notice>;

  const rescan = (
    <Button onClick={() => void refetch()} disabled={isFetching}>
      {isFetching ? "Scanning…" : "Scan again"}
    </Button>
  );

  if (data.models.length === 0) {
    return (
      <EmptyState icon="◆" title="No local models found" actions={rescan}>
        <p>
          Put Hugging Face model folders in <code data-testid="models-dir">{data.modelsDir}</code>
          {data.exists ? "." : " — the folder does not exist yet, so create it first."}
        </p>
        <ul className="empty-list">
          <li>
            One folder per model, holding <code>config.json</code>, the <code>*.safetensors</code> weights, <code>tokenizer.json</code> and{" "}
            <code>tokenizer_config.json</code> with a chat template (Llama-family models train locally).
          </li>
          <li>
            Nothing is downloaded here: fetch a model on a machine with internet access, e.g.{" "}
            <code>huggingface-cli download HuggingFaceTB/SmolLM2-135M-Instruct --local-dir SmolLM2-135M-Instruct</code>, and copy the folder into{" "}
            <code>{data.modelsDir}</code>.
          </li>
          <li>
            To scan another directory, set <code>TUNEFORGE_MODELS_DIR</code> and restart.
          </li>
        </ul>
      </EmptyState>
    );
  }

  const current = data.models.find((m) => m.name === selected) ?? data.models.find((m) => m.parameters && m.shape) ?? data.models[0];
  return (
    <div className="stack">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <p className="muted" style={{ margin: 0 }}>
          Folders in <code data-testid="models-dir">{data.modelsDir}</code> that contain a <code>config.json</code>. Parameters are counted from the safetensors headers.
        </p>
        {rescan}
      </div>
      <Table caption="Local models">
        <thead>
          <tr>
            <th scope="col">Folder</th>
            <th scope="col">Architecture</th>
            <th scope="col">Parameters</th>
            <th scope="col">dtype</th>
            <th scope="col">Context</th>
            <th scope="col">Tokenizer</th>
            <th scope="col">Chat template</th>
            <th scope="col"><span className="muted">Memory</span></th>
          </tr>
        </thead>
        <tbody>
          {data.models.map((m) => (
            <tr key={m.name} data-testid={`model-row-${m.name}`} className={m.name === current?.name ? styles.selected : undefined}>
              <td className="mono">{m.name}</td>
              <td><Architecture m={m} /></td>
              <td className="mono" title={m.parameters ? `${formatInt(m.parameters)} parameters in ${m.weightFiles.join(", ")}${m.visionParameters ? ` (the text model's; its vision tower's ${formatInt(m.visionParameters)} are not trained)` : ""}` : m.weightsError}>
                {m.parameters ? formatParams(m.parameters) : <span className="status-item-bad">{m.weightsError ?? "—"}</span>}
              </td>
              <td className="mono">{m.dtype ?? "—"}</td>
              <td className="mono">{m.contextLength ? formatInt(m.contextLength) : "—"}</td>
              <td><Yes ok={m.hasTokenizer} yes="tokenizer.json" no="missing" /></td>
              <td><Yes ok={m.hasChatTemplate} yes="present" no="missing" /></td>
              <td>
                <Button size="sm" variant={m.name === current?.name ? "primary" : "secondary"} onClick={() => setSelected(m.name)} aria-pressed={m.name === current?.name}>
                  Estimate
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {current ? (
        <Card title={`Training memory — ${current.name}`} level={2} description="Estimated for QLoRA, LoRA and full fine-tuning at this sequence length and micro-batch, and whether it fits where the workers run.">
          <MemoryPanel key={current.name} model={current} targets={data.targets} workersKnown={data.workersKnown} />
        </Card>
      ) : null}
    </div>
  );
}
