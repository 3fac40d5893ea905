"use client";

import { useQuery } from "@tanstack/react-query";
import type { ModelScan } from "@/lib/models/scan";
import { apiFetch, messageOf } from "../api-client";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { EmptyState } from "../ui/EmptyState";
import { Notice } from "../ui/Notice";
import { Table } from "../ui/Table";

function Yes({ ok, yes, no }: { ok: boolean; yes: string; no: string }) {
  return ok ? <Badge tone="ok">✓ {yes}</Badge> : <Badge tone="warn">✗ {no}</Badge>;
}

export function ModelsList() {
  const { data, error, isPending, refetch, isFetching } = useQuery({
    queryKey: ["models"],
    queryFn: ({ signal }) => apiFetch<ModelScan>("/api/models", { signal }),
  });

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
            One folder per model, holding <code>config.json</code>, the <code>*.safetensors</code> weights and{" "}
            <code>tokenizer.json</code> (Llama-family models train locally).
          </li>
          <li>
            Nothing is downloaded here: fetch a model on a machine with internet access, e.g.{" "}
            <code>huggingface-cli download &lt;repo&gt; --local-dir &lt;folder&gt;</code>, and copy the folder over.
          </li>
          <li>
            To scan another directory, set <code>TUNEFORGE_MODELS_DIR</code> and restart.
          </li>
        </ul>
      </EmptyState>
    );
  }

  return (
    <div className="stack">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <p className="muted" style={{ margin: 0 }}>
          Folders in <code data-testid="models-dir">{data.modelsDir}</code> that contain a <code>config.json</code>.
        </p>
        {rescan}
      </div>
      <Table caption="Local models">
        <thead>
          <tr>
            <th scope="col">Folder</th>
            <th scope="col">Type</th>
            <th scope="col">Architecture</th>
            <th scope="col">Tokenizer</th>
            <th scope="col">Chat template</th>
          </tr>
        </thead>
        <tbody>
          {data.models.map((m) => (
            <tr key={m.name}>
              <td className="mono">{m.name}</td>
              <td>{m.modelType ?? <span className="muted">unknown</span>}</td>
              <td>
                {m.error ? <span className="status-item-bad">{m.error}</span> : m.architectures.join(", ") || <span className="muted">—</span>}
              </td>
              <td><Yes ok={m.hasTokenizer} yes="tokenizer.json" no="missing" /></td>
              <td><Yes ok={m.hasChatTemplate} yes="present" no="missing" /></td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
