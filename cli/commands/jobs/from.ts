import { parseCommandOptions, UsageError } from "../../args";
import type { RelaunchDraft } from "../../../lib/jobs/launch/relaunch";
import { CREATE_FLAGS, checkSuffix, OPENAI_FLAGS, openaiHyperparameters, positive, WAIT_FLAGS, wholeNumber, type CreateArgs } from "./args";
import { LOCAL_FLAGS, localConfigFromFlags, localModelArg, NEGATABLE_LOCAL_FLAGS, sweepFromFlag } from "./local-args";

// `tuneforge jobs create --from JOB_ID [flags]`: "Launch again" from a shell. The job's settings
// (GET /api/jobs/<id>/relaunch) are the starting point and every flag given replaces one of them, so a script
// changes one thing per run. Without --data the new job trains on the copied job's version; with it, on the file.
// Which flags apply depends on the job's provider, known only once the draft is fetched: the parse here accepts
// the flags of both, and createArgsFromDraft refuses the ones that do not apply.

const NEGATIONS = Object.fromEntries(NEGATABLE_LOCAL_FLAGS.map((f) => [`no-${f}`, { type: "boolean" }])) as {
  [K in (typeof NEGATABLE_LOCAL_FLAGS)[number] as `no-${K}`]: { type: "boolean" };
};
const FROM_FLAGS = { from: { type: "string" }, ...CREATE_FLAGS, ...LOCAL_FLAGS, ...NEGATIONS, ...OPENAI_FLAGS, ...WAIT_FLAGS } as const;

type FromValues = ReturnType<typeof parseFrom>["values"];
export type FromArgs = { from: string; values: FromValues; wait: boolean; json: boolean; intervalMs: number; url?: string };

const parseFrom = (args: string[]) => parseCommandOptions("jobs", args, FROM_FLAGS, { positionals: true });

/** Flags that only one provider's jobs take (the shared ones, --epochs, --batch-size and --seed, fit both). */
const OPENAI_ONLY = ["lr-multiplier"];
const LOCAL_ONLY = Object.keys({ ...LOCAL_FLAGS, ...NEGATIONS }).filter((f) => !(f in OPENAI_FLAGS));

export const hasFromFlag = (args: string[]) => args.some((a) => a === "--from" || a.startsWith("--from="));

export function parseFromCreateArgs(args: string[]): FromArgs {
  const { values: v, positionals } = parseFrom(args);
  if (positionals.length > 0) throw new UsageError(`jobs create: unexpected argument "${positionals[0]}"; --from takes the job's id (--from ID).`);
  if (!v.from?.trim()) throw new UsageError("jobs create: --from needs a job id, e.g. --from cmabc123 (tuneforge jobs list shows them).");
  if (v.validation !== undefined && v.data === undefined) throw new UsageError("jobs create: --validation goes with --data; without --data the copied job's own version (with its validation split) is used.");
  if (v.provider !== undefined && v.provider !== "openai" && v.provider !== "local") throw new UsageError(`jobs create: --provider must be openai or local, got "${v.provider}".`);
  checkSuffix(v.suffix);
  const interval = positive("--interval", v.interval);
  return { from: v.from.trim(), values: v, wait: !!v.wait, json: !!v.json, intervalMs: Math.round((interval ?? 5) * 1000), url: v.url };
}

/** The launch: the draft's settings with each given flag in place of the copied value. */
export function createArgsFromDraft(a: FromArgs, draft: RelaunchDraft): CreateArgs {
  const v = a.values;
  const given = (flags: readonly string[]) => flags.filter((f) => v[f as keyof FromValues] !== undefined).map((f) => `--${f}`);
  const where = draft.provider === "openai" ? "on OpenAI" : "locally";
  if (v.provider !== undefined && v.provider !== draft.provider)
    throw new UsageError(`jobs create: job ${a.from} trained ${where}; --from launches the same provider, so leave out --provider ${v.provider}.`);
  const foreign = given(draft.provider === "openai" ? LOCAL_ONLY : OPENAI_ONLY);
  if (foreign.length) throw new UsageError(`jobs create: ${foreign.join(", ")} ${foreign.length === 1 ? "does" : "do"} not apply: job ${a.from} trained ${where}.`);
  if (v.data === undefined && !draft.datasetVersionId)
    throw new UsageError(`jobs create: ${draft.notes[0] ?? `job ${a.from} has no dataset version here.`} Pass --data FILE.jsonl [--validation FILE.jsonl].`);

  const data = v.data !== undefined ? { data: v.data, validation: v.validation } : { datasetVersionId: draft.datasetVersionId! };
  const common = { ...data, from: a.from, suffix: v.suffix ?? draft.suffix ?? undefined, wait: a.wait, json: a.json, intervalMs: a.intervalMs, url: a.url };
  if (draft.provider === "openai") {
    const seed = wholeNumber("--seed", v.seed, 0, 2147483647);
    return {
      ...common,
      provider: "openai",
      model: v.model?.trim() || draft.baseModel,
      seed: seed ?? draft.seed ?? undefined,
      hyperparameters: { ...draft.hyperparameters, ...openaiHyperparameters(v) },
    };
  }
  const local = localConfigFromFlags(v, draft.config);
  return { ...common, provider: "local", model: v.model?.trim() ? localModelArg(v.model.trim()) : draft.baseModel, local, sweep: sweepFromFlag(v.sweep), seed: local.training.seed, hyperparameters: {} };
}
