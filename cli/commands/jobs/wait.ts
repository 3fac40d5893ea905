import { isTerminalJobStatus, type JobView } from "../../../lib/jobs/types";
import type { JobsApi } from "./api";
import { progressLine } from "./format";

/** Polls GET /api/jobs/[id] until the job is terminal, printing a line to stderr whenever its progress changes. */
export async function waitForJob(api: JobsApi, first: JobView, opts: { intervalMs: number; log: (line: string) => void }): Promise<JobView> {
  let job = first;
  let shown = "";
  for (;;) {
    const line = progressLine(job);
    if (line !== shown) {
      opts.log(line);
      shown = line;
    }
    if (isTerminalJobStatus(job.status)) return job;
    await new Promise((r) => setTimeout(r, opts.intervalMs));
    job = (await api.json<{ job: JobView }>("GET", `/api/jobs/${encodeURIComponent(job.id)}`)).job;
  }
}
