"use client";

import { useRef, useState, type DragEvent } from "react";
import type { ImportView } from "@/lib/datasets/import/types";
import { messageOf } from "../../api-client";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { Notice } from "../../ui/Notice";
import { formatBytes, uploadDatasetFile, type Upload } from "./upload";
import styles from "./import.module.css";

const FORMATS: { value: string; label: string }[] = [
  { value: "auto", label: "Detect automatically" },
  { value: "openai-chat", label: "OpenAI chat JSONL" },
  { value: "preference", label: "DPO preference JSONL" },
  { value: "alpaca", label: "Alpaca (instruction/input/output)" },
  { value: "sharegpt", label: "ShareGPT (conversations)" },
  { value: "prompt-completion", label: "Prompt/completion JSONL" },
  { value: "csv", label: "CSV (map columns next)" },
];

const ACCEPT = ".jsonl,.json,.csv,.txt";

/** Choose or drop a file, pick format and split, upload it with a progress bar. */
export function UploadCard({ datasetId, onStarted }: { datasetId: string; onStarted: (imp: ImportView) => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState("auto");
  const [split, setSplit] = useState("train");
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const upload = useRef<Upload | null>(null);

  const choose = (f: File | undefined) => {
    if (!f) return;
    setFile(f);
    setError(null);
    if (/\.csv$/i.test(f.name)) setFormat("csv");
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    choose(e.dataTransfer.files[0]);
  };

  const start = async () => {
    if (!file) return;
    setError(null);
    setProgress({ sent: 0, total: file.size });
    upload.current = uploadDatasetFile(datasetId, file, { format, split, skipInvalid }, (sent, total) => setProgress({ sent, total }));
    try {
      const imp = await upload.current.done;
      setFile(null);
      if (inputRef.current) inputRef.current.value = "";
      onStarted(imp);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      upload.current = null;
      setProgress(null);
    }
  };

  const busy = progress !== null;
  const percent = progress && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : 0;

  return (
    <Card
      title="Import a file"
      description="OpenAI chat or DPO JSONL, Alpaca, ShareGPT, prompt/completion JSONL or CSV. Every line is checked before anything is added; lines that fail are listed with their line number."
    >
      <div className="stack">
        <div
          className={dragging ? `${styles.drop} ${styles.dropActive}` : styles.drop}
          role="region"
          aria-label="Drop a file to import"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <span className={styles.dropIcon} aria-hidden="true">
            ⇪
          </span>
          {file ? (
            <span className={styles.chosen} aria-live="polite">
              {file.name} · {formatBytes(file.size)}
            </span>
          ) : (
            <span className={styles.dropTitle}>Drag a .jsonl or .csv file here</span>
          )}
          <div className="row">
            <Button size="sm" onClick={() => inputRef.current?.click()} disabled={busy}>
              {file ? "Choose another file" : "Choose file"}
            </Button>
          </div>
          <input
            ref={inputRef}
            type="file"
            accept={ACCEPT}
            className="visually-hidden"
            aria-label="File to import"
            tabIndex={-1}
            onChange={(e) => choose(e.target.files?.[0])}
          />
        </div>
        <div className={styles.options}>
          <Field id="import-format" label="Format">
            {(p) => (
              <select className="input" value={format} onChange={(e) => setFormat(e.target.value)} disabled={busy} {...p}>
                {FORMATS.map((f) => (
                  <option key={f.value} value={f.value}>
                    {f.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="import-split" label="Add to split">
            {(p) => (
              <select className="input" value={split} onChange={(e) => setSplit(e.target.value)} disabled={busy} {...p}>
                <option value="train">Training</option>
                <option value="validation">Validation</option>
              </select>
            )}
          </Field>
          <label className={styles.check}>
            <input type="checkbox" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} disabled={busy} />
            Import valid lines only (skip lines that fail)
          </label>
        </div>
        {progress ? (
          <div className={styles.progressBlock}>
            <div className={styles.progressLabel}>
              <span>Uploading {file?.name}…</span>
              <span>
                {formatBytes(progress.sent)} of {formatBytes(progress.total)} ({percent}%)
              </span>
            </div>
            <progress className={styles.bar} max={100} value={percent} aria-label="Upload progress" />
          </div>
        ) : null}
        {error ? <Notice tone="danger" title="Upload failed">{error}</Notice> : null}
        <div className={styles.actions}>
          <Button variant="primary" onClick={start} disabled={!file || busy}>
            {busy ? "Uploading…" : "Upload and check"}
          </Button>
          {busy ? <Button onClick={() => upload.current?.abort()}>Stop upload</Button> : null}
        </div>
      </div>
    </Card>
  );
}
