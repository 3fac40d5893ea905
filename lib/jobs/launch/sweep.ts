import { z } from "zod";
import { HttpError } from "../../http/errors";
import type { JobView } from "../types";
import { launchRefused, type LaunchIssue } from "./issues";
import { checkLocalLaunch, launchLocalJob, type LocalLaunchOptions } from "./local";
import { SWEEP_FIELD_NAMES, SWEEP_FIELDS, sweepValuesProblem, type SweepField } from "./sweep-fields";

// A sweep (POST /api/jobs/sweep, the local launch form's "Sweep"): one local job per value of one setting, every
// other setting the same, so a team finds its learning rate (or rank, or epochs) in one go and compares the runs on
// /jobs/compare. Every variant is checked before any is launched: a value the schema refuses, or one that leaves
// nothing to train, launches none. The jobs queue for the GPU workers like any others.

export const sweepSchema = z
  .object({
    field: z.enum(SWEEP_FIELD_NAMES, { error: `must be one of ${SWEEP_FIELD_NAMES.join(", ")}` }),
    values: z
      .array(z.number({ error: "must be numbers" }).finite("must be numbers"), { error: "must be a list of numbers" })
      .superRefine((v, ctx) => {
        const problem = sweepValuesProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
  })
  .strict();
export type Sweep = z.infer<typeof sweepSchema>;

export const sweepRequestSchema = z
  .object({
    /** The local launch request every job starts from (POST /api/jobs's body, provider "local"). */
    launch: z.record(z.string(), z.unknown(), { error: "must be a local launch request (the body of POST /api/jobs)" }),
    sweep: sweepSchema,
  })
  .strict();

/** "lr=0.0002", after the base suffix when there is one; at most 64 characters, the schema's limit. */
export function variantSuffix(base: unknown, field: SweepField, value: number): string {
  const own = `${field}=${value}`;
  const prefix = typeof base === "string" ? base.trim() : "";
  return prefix ? `${prefix.slice(0, 64 - own.length - 1).trimEnd()} ${own}` : own;
}

/** The launch request of each value: the base request with that value in place, and a suffix that names it. */
export function sweepVariants(launch: Record<string, unknown>, sweep: Sweep): Record<string, unknown>[] {
  const config = (launch.config && typeof launch.config === "object" ? launch.config : {}) as Record<string, unknown>;
  const group = SWEEP_FIELDS[sweep.field].group;
  const section = (config[group] && typeof config[group] === "object" ? config[group] : {}) as Record<string, unknown>;
  return sweep.values.map((value) => ({
    ...launch,
    suffix: variantSuffix(launch.suffix, sweep.field, value),
    config: { ...config, [group]: { ...section, [sweep.field]: value } },
  }));
}

/**
 * What blocks the sweep: an issue every variant has once, as the form shows it; one only some values have, with
 * the value it is about ("lr = 2: config.training.lr: learning rate must be 0 to 1.").
 */
export function sweepIssues(perVariant: LaunchIssue[][], sweep: Sweep): LaunchIssue[] {
  const key = (i: LaunchIssue) => `${i.field}\u0000${i.message}`;
  const everywhere = new Set(perVariant[0]?.map(key).filter((k) => perVariant.every((list) => list.some((i) => key(i) === k))) ?? []);
  const out: LaunchIssue[] = perVariant[0]?.filter((i) => everywhere.has(key(i))) ?? [];
  perVariant.forEach((list, n) => {
    for (const i of list) if (!everywhere.has(key(i))) out.push({ ...i, field: "sweep.values", message: `${sweep.field} = ${sweep.values[n]}: ${i.message}` });
  });
  return out;
}

/** POST /api/jobs/sweep: checks every variant, then launches them in value order; answers their jobs. */
export async function launchLocalSweep(raw: unknown, opts: LocalLaunchOptions = {}): Promise<JobView[]> {
  const parsed = sweepRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || "request", code: "invalid_field" as const, message: `${i.path.join(".") || "request"}: ${i.message}.` }));
    throw launchRefused(issues);
  }
  const { launch, sweep } = parsed.data;
  if (launch.provider !== "local") throw new HttpError(400, "provider_unsupported", 'A sweep launches local jobs: send launch.provider "local" (OpenAI jobs are billed one by one; launch them one at a time).');
  const variants = sweepVariants(launch, sweep);
  // One after another: the first check tokenizes the version, the others count from that tokenization.
  const perVariant: LaunchIssue[][] = [];
  for (const v of variants) perVariant.push((await checkLocalLaunch(v, opts)).estimate.issues);
  const issues = sweepIssues(perVariant, sweep);
  if (issues.length) throw launchRefused(issues);
  const jobs: JobView[] = [];
  for (const v of variants) {
    try {
      jobs.push(await launchLocalJob(v, opts));
    } catch (err) {
      // Checked, yet one launch failed (the database went away): say which ones are already queued.
      if (jobs.length === 0) throw err;
      const done = jobs.map((j) => `${j.id} (${j.suffix})`).join(", ");
      throw new HttpError(500, "sweep_partly_launched", `Launched ${jobs.length} of ${variants.length} jobs (${done}) before: ${(err as Error).message}. Launch the other values again.`);
    }
  }
  return jobs;
}
