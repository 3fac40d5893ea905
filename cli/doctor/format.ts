import type { DoctorReport } from "./checks";
import { ESSENTIAL_CHECKS } from "./checks";

// Human output of `tuneforge doctor`: one line per check, its hint under it, queue counts under workers.

const LABELS: Record<keyof DoctorReport["checks"], string> = {
  node: "node",
  database: "database",
  redis: "redis",
  workers: "workers",
  native: "native addon",
  chromium: "chromium",
  modelsDir: "models dir",
};

export function formatDoctor(report: DoctorReport): string {
  const width = Math.max(...Object.values(LABELS).map((l) => l.length));
  const lines: string[] = ["tuneforge doctor", ""];
  for (const [key, label] of Object.entries(LABELS) as [keyof DoctorReport["checks"], string][]) {
    const check = report.checks[key];
    const where = key === "database" || key === "redis" ? `${report.checks[key].url} — ` : "";
    lines.push(`  ${check.status.padEnd(4)}  ${label.padEnd(width)}  ${where}${check.message}`);
    const indent = " ".repeat(10 + width); // under the message column
    if (key === "workers") {
      for (const w of report.checks.workers.workers) {
        lines.push(`${indent}${w.id} (pid ${w.pid}) consumes ${w.queues.join(", ")}; last seen ${w.lastSeenAt}`);
      }
      for (const q of report.checks.workers.queues) {
        const consumers = q.consumers ? `${q.consumers} consumer${q.consumers === 1 ? "" : "s"}` : "no consumer online";
        lines.push(`${indent}queue ${q.name}: ${q.waiting} waiting, ${q.active} active, ${q.failed} failed; ${consumers}`);
      }
    }
    if (check.hint) lines.push(`${indent}→ ${check.hint}`);
  }
  const failed = ESSENTIAL_CHECKS.filter((k) => report.checks[k].status === "fail");
  lines.push("");
  lines.push(failed.length ? `Essential checks failed: ${failed.join(", ")}.` : "Essential checks (node, database, redis) passed.");
  return lines.join("\n") + "\n";
}
