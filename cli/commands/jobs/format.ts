import { isPreparingLocalJob, type JobSummary, type JobView } from "../../../lib/jobs/types";

// Human output of `tuneforge jobs …` (--json prints the API's objects instead).

const int = (n: number) => n.toLocaleString("en-US");
const usd = (n: number | null) => (n === null ? "—" : `$${n.toFixed(n < 0.01 ? 4 : 2)}`);

export function datasetLabel(j: JobSummary): string {
  return j.dataset ? `"${j.dataset.datasetName}" v${j.dataset.versionNumber}` : j.attached ? "(attached)" : "—";
}

/** One line of progress for --wait: status, step and the newest losses. */
export function progressLine(j: JobView): string {
  const parts = [
    j.status === "running" && j.remoteStatus && j.remoteStatus !== "running"
      ? `${j.status} (${j.remoteStatus})`
      : isPreparingLocalJob(j)
        ? `${j.status} (preparing on ${j.workerId})`
        : j.status,
  ];
  const last = j.metrics.at(-1);
  if (j.progress) parts.push(`step ${int(j.progress.step)}${j.progress.totalSteps ? `/${int(j.progress.totalSteps)}` : ""}`);
  if (last?.trainLoss != null) parts.push(`train loss ${last.trainLoss.toFixed(4)}`);
  if (last?.validLoss != null) parts.push(`valid loss ${last.validLoss.toFixed(4)}`);
  if (j.retryMessage) parts.push(`retrying: ${j.retryMessage}`);
  return parts.join(", ");
}

export function formatJob(j: JobView, jobUrl: string): string {
  const hp = Object.entries(j.hyperparameters).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`).join(" ") || "all auto";
  const lines = [
    `job ${j.id}  ${j.status}${j.remoteStatus && j.remoteStatus !== j.status ? ` (OpenAI: ${j.remoteStatus})` : ""}`,
    `  ${j.provider} ${j.method} · ${j.baseModel} · ${datasetLabel(j)}`,
    `  hyperparameters  ${hp}${j.suffix ? ` · suffix ${j.suffix}` : ""}${j.seed !== null ? ` · seed ${j.seed}` : ""}`,
    ...(j.note ? [`  note             ${j.note.replace(/\s*\n\s*/g, " / ")}`] : []),
    `  estimate         ${j.estimatedTokensPerEpoch !== null ? `${int(j.estimatedTokensPerEpoch)} tokens × ${j.estimatedEpochs} epochs = ` : ""}${usd(j.estimatedUsd)}`,
  ];
  if (j.provider === "local") {
    if (j.queuePosition !== null) lines.push(`  queue            #${j.queuePosition} waiting for a GPU worker`);
    const preparing = isPreparingLocalJob(j) ? " (preparing: loading the model, tokenizing the data)" : "";
    if (j.workerId) lines.push(`  worker           ${j.workerId}${j.backend ? ` (${j.backend} backend)` : ""}${preparing}`);
    if (j.adapterPath) lines.push(`  adapter          ${j.adapterPath}`);
  }
  if (j.remoteJobId) lines.push(`  OpenAI job       ${j.remoteJobId}`);
  if (j.fineTunedModel) lines.push(`  model            ${j.fineTunedModel}`);
  if (j.trainedTokens !== null) lines.push(`  trained tokens   ${int(j.trainedTokens)} · actual cost ${usd(j.actualUsd)}`);
  if (j.metrics.length) lines.push(`  progress         ${progressLine(j)}`);
  if (j.errorMessage) lines.push(`  error            ${j.errorCode ? `[${j.errorCode}] ` : ""}${j.errorMessage}`);
  if (j.retryMessage) lines.push(`  retrying         ${j.retryMessage}`);
  const events = j.events.slice(-5);
  if (events.length) lines.push("  latest events", ...events.map((e) => `    ${e.at.slice(0, 19).replace("T", " ")}  ${e.message}`));
  lines.push(`  ${jobUrl}`);
  return lines.join("\n") + "\n";
}

export function formatList(jobs: JobSummary[]): string {
  if (jobs.length === 0) return "No jobs.\n";
  const rows = jobs.map((j) => [j.id, j.status, j.baseModel, j.fineTunedModel ?? (j.adapterPath ? "adapter (jobs show ID)" : "—"), datasetLabel(j), j.actualUsd !== null ? usd(j.actualUsd) : `~${usd(j.estimatedUsd)}`, j.createdAt.slice(0, 16).replace("T", " ")]);
  const head = ["ID", "STATUS", "BASE MODEL", "FINE-TUNED MODEL", "DATASET", "COST", "CREATED"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}
