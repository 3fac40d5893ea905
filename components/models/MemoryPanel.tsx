"use client";

import { useMemo, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { LORA_TARGET_PRESETS, type LoraTargetPreset } from "@/lib/jobs/local/config";
import { byteAxis } from "@/lib/models/byte-axis";
import { checkFitByBackend, fitNeeds, type MemoryTarget } from "@/lib/models/fit";
import { estimateAllMethods, type MemoryEstimate, type MemoryParts, type Precision } from "@/lib/models/memory";
import type { LocalModel } from "@/lib/models/scan";
import { FitBadge } from "./FitBadge";
import { Field } from "../ui/Field";
import { Input } from "../ui/Input";
import { Notice } from "../ui/Notice";
import { formatInt } from "../ui/format";
import { formatBytes } from "./format";
import styles from "./models.module.css";

// The memory a model needs to train, for QLoRA, LoRA and full fine-tuning at the chosen sequence length and
// micro-batch, part by part (lib/models/memory.ts holds the formulas), and whether that fits on each GPU and in
// each host's RAM the workers report. Computed in the browser: it is arithmetic on the model's shape.

const PARTS: { key: keyof MemoryParts; label: string; color: string }[] = [
  { key: "weights", label: "Weights", color: "var(--accent)" },
  { key: "lora", label: "LoRA params", color: "var(--ok)" },
  { key: "optimizer", label: "Optimizer (AdamW)", color: "var(--warn)" },
  { key: "gradients", label: "Gradients", color: "var(--sample)" },
  { key: "activations", label: "Activations", color: "var(--danger)" },
];
const METHOD_LABEL = { qlora: "QLoRA (NF4)", lora: "LoRA", full: "Full fine-tune" } as const;

const wholeOr = (text: string, min: number): number | null => {
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? n : null;
};

export function MemoryPanel({ model, targets, workersKnown }: { model: LocalModel; targets: MemoryTarget[]; workersKnown: boolean }) {
  const context = model.contextLength ?? 2048;
  const [seqText, setSeqText] = useState(String(Math.min(2048, context)));
  const [batchText, setBatchText] = useState("4");
  const [rankText, setRankText] = useState("16");
  const [preset, setPreset] = useState<LoraTargetPreset>("attention");
  const [checkpointing, setCheckpointing] = useState(false);
  const [precision, setPrecision] = useState<Precision>("bf16");
  const seqLen = wholeOr(seqText, 2);
  const batch = wholeOr(batchText, 1);
  const rank = wholeOr(rankText, 1);

  // Both precisions: the table shows the chosen one; GPUs are checked in bf16 (CUDA), RAM in fp32 (CPU backend).
  const byPrecision = useMemo(() => {
    if (!model.shape || !model.parameters || !seqLen || !batch || !rank) return null;
    const input = { shape: model.shape, parameters: model.parameters, seqLen: Math.min(seqLen, context), batchSize: batch, lora: { rank, targets: LORA_TARGET_PRESETS[preset] }, gradientCheckpointing: checkpointing };
    return { input, bf16: estimateAllMethods({ ...input, precision: "bf16" }), fp32: estimateAllMethods({ ...input, precision: "fp32" }) };
  }, [model, seqLen, batch, rank, preset, checkpointing, context]);
  const estimates: MemoryEstimate[] = byPrecision?.[precision] ?? [];

  if (!model.shape || !model.parameters) {
    return <Notice tone="warn" title="No memory estimate">{model.weightsError ?? "config.json lacks the Llama shape (hidden_size, num_hidden_layers, num_attention_heads)."}</Notice>;
  }
  const data = estimates.map((e) => ({ method: METHOD_LABEL[e.method], ...Object.fromEntries(PARTS.map((p) => [p.key, e.parts[p.key]])) }));
  const axis = byteAxis(Math.max(0, ...estimates.map((e) => e.total)));
  return (
    <div className={styles.memory} data-testid={`memory-${model.name}`}>
      <div className={styles.inputs}>
        <Field id={`mem-seq-${model.name}`} label="Sequence length" hint={`context ${formatInt(context)}`} error={seqLen ? undefined : "whole number ≥ 2"}>
          {(p) => <Input {...p} className="mono" inputMode="numeric" value={seqText} onChange={(e) => setSeqText(e.target.value)} />}
        </Field>
        <Field id={`mem-batch-${model.name}`} label="Micro-batch" hint="sequences per step" error={batch ? undefined : "whole number ≥ 1"}>
          {(p) => <Input {...p} className="mono" inputMode="numeric" value={batchText} onChange={(e) => setBatchText(e.target.value)} />}
        </Field>
        <Field id={`mem-rank-${model.name}`} label="LoRA rank" error={rank ? undefined : "whole number ≥ 1"}>
          {(p) => <Input {...p} className="mono" inputMode="numeric" value={rankText} onChange={(e) => setRankText(e.target.value)} />}
        </Field>
        <Field id={`mem-targets-${model.name}`} label="LoRA targets">
          {(p) => (
            <select {...p} className="input" value={preset} onChange={(e) => setPreset(e.target.value as LoraTargetPreset)}>
              <option value="attention">attention (q, k, v, o)</option>
              <option value="all-linear">all linear</option>
            </select>
          )}
        </Field>
        <Field id={`mem-precision-${model.name}`} label="Shown for">
          {(p) => (
            <select {...p} className="input" value={precision} onChange={(e) => setPrecision(e.target.value as Precision)}>
              <option value="bf16">GPU, CUDA (bf16)</option>
              <option value="fp32">CPU backend (fp32)</option>
            </select>
          )}
        </Field>
        <label className={styles.check}>
          <input type="checkbox" checked={checkpointing} onChange={(e) => setCheckpointing(e.target.checked)} /> gradient checkpointing
        </label>
      </div>
      {estimates.length > 0 ? (
        <>
          <div className={styles.chart} role="img" aria-label={`Memory: ${estimates.map((e) => `${METHOD_LABEL[e.method]} ${formatBytes(e.total)}`).join(", ")}`}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 4 }}>
                <CartesianGrid horizontal={false} stroke="var(--border)" />
                <XAxis type="number" domain={[0, axis.ticks.at(-1)!]} ticks={axis.ticks} tickFormatter={axis.format} tick={{ fontSize: 11, fill: "var(--text-muted)" }} tickLine={false} axisLine={{ stroke: "var(--border)" }} />
                <YAxis type="category" dataKey="method" width={110} tick={{ fontSize: 12, fill: "var(--text)" }} tickLine={false} axisLine={false} />
                <Tooltip
                  cursor={{ fill: "var(--surface-2)" }}
                  contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, fontSize: 12 }}
                  formatter={(value, name) => [formatBytes(Number(value)), name]}
                />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                {PARTS.map((p) => (
                  <Bar key={p.key} dataKey={p.key} name={p.label} stackId="memory" fill={p.color} isAnimationActive={false} barSize={18} />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
          <table className={styles.breakdown} aria-label="Memory by part">
            <thead>
              <tr>
                <th scope="col">Method</th>
                {PARTS.map((p) => (
                  <th scope="col" key={p.key}>{p.label}</th>
                ))}
                <th scope="col">Total</th>
                <th scope="col">Trainable</th>
              </tr>
            </thead>
            <tbody>
              {estimates.map((e) => (
                <tr key={e.method} data-testid={`memory-row-${e.method}`}>
                  <th scope="row">{METHOD_LABEL[e.method]}</th>
                  {PARTS.map((p) => (
                    <td key={p.key} className="mono">{formatBytes(e.parts[p.key])}</td>
                  ))}
                  <td className="mono"><strong>{formatBytes(e.total)}</strong></td>
                  <td className="mono">{formatInt(e.trainableParameters)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className={styles.fits} data-testid="memory-fits">
            {!workersKnown ? (
              <p className="muted">Redis is unreachable, so the workers' GPUs and RAM are unknown.</p>
            ) : targets.length === 0 ? (
              <p className="muted">No worker has reported its memory yet: start the workers (<code>npm start</code>) and a GPU worker to see what fits.</p>
            ) : (
              estimates.map((e) => (
                <div key={e.method} className={styles.fitRow}>
                  <span className={styles.fitMethod}>{METHOD_LABEL[e.method]}</span>
                  {checkFitByBackend(byPrecision ? fitNeeds(byPrecision.input, e.method) : { gpuBytes: e.total, cpuBytes: e.total }, targets).map((v) => (
                    <FitBadge key={`${v.hostname}-${v.label}`} verdict={v} />
                  ))}
                </div>
              ))
            )}
          </div>
          <p className={styles.note}>
            Weights: NF4 + double quant ≈ 4.127 bits for the layers&apos; linear weights (embeddings, norms and lm_head unquantized) or unquantized throughout;
            LoRA parameters, their gradients and AdamW&apos;s two moments in fp32; full fine-tuning adds gradients and two fp32 moments for every
            parameter; activations as the native trainer keeps them (blockwise attention: no T×T matrix). GPUs are checked against the bf16
            figure, RAM against the fp32 one (the CPU backend trains everything but NF4 weights in fp32). Not counted: CUDA context and
            allocator slack (10 % of each GPU is kept free).
          </p>
        </>
      ) : null}
    </div>
  );
}
