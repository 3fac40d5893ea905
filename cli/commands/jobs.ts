import { parseCommandOptions, UsageError } from "../args";
import type { CliContext, Command } from "../command";
import type { JobListPage } from "../../lib/jobs/list";
import type { DeletedJob } from "../../lib/jobs/delete";
import type { RelaunchDraft } from "../../lib/jobs/launch/relaunch";
import type { JobView } from "../../lib/jobs/types";
import { serverApi, serverSubcommandExit } from "./jobs/api";
import { parseCreateArgs, parseIdArgs, parseListArgs } from "./jobs/args";
import { runCreate } from "./jobs/create";
import { createArgsFromDraft, hasFromFlag, parseFromCreateArgs } from "./jobs/from";
import { formatJob, formatList } from "./jobs/format";
import { pageFooter } from "./page-footer";

// tuneforge jobs create|list|show|cancel|attach – fine-tuning jobs on a running tuneforge, through its REST API.

const USAGE = [
  "Usage: tuneforge jobs create --provider openai --data FILE.jsonl [--validation FILE.jsonl] --model BASE",
  "                             [--suffix S] [--epochs N] [--batch-size N] [--lr-multiplier X] [--seed N]",
  "                             [--wait [--interval SECONDS]] [--json]",
  "       tuneforge jobs create --provider local --model NAME_OR_PATH --data FILE.jsonl [--validation FILE.jsonl]",
  "                             [every training flag of `tuneforge train`: --quant nf4|none --double-quant",
  "                              --backend auto|cpu|cuda --rank --alpha --dropout --rslora --targets LIST|attention|all-linear",
  "                              --epochs --batch-size --grad-accum --lr --weight-decay --schedule --warmup-ratio",
  "                              --max-grad-norm --max-seq-len --seed --eval-every --checkpoint-every --packing",
  "                              --gradient-checkpointing --dpo-beta (preference pairs train with DPO)]",
  "                             [--sweep FIELD=V1,V2,… one job per value: lr, rank, alpha, dropout, epochs, batchSize,",
  "                              gradAccum, warmupRatio, weightDecay, maxSeqLen, dpoBeta or seed; 2–8 values]",
  "                             [--wait [--interval SECONDS]] [--json]",
  "       tuneforge jobs create --from JOB_ID [--data FILE.jsonl [--validation FILE.jsonl]] [--model M] [--suffix S]",
  "                             [any flag of the job's provider; --no-rslora --no-double-quant --no-packing",
  "                              --no-gradient-checkpointing --no-keep-best turn off what the job had on]",
  "                             [--wait [--interval SECONDS]] [--json]",
  "       tuneforge jobs list [--status S[,S…]] [--before CURSOR] [--json]",
  "       tuneforge jobs show ID [--json]",
  "       tuneforge jobs cancel ID [--json]",
  "       tuneforge jobs delete ID [--json]",
  "       tuneforge jobs note ID TEXT [--json]",
  "       tuneforge jobs attach REMOTE_ID [--json]",
  "",
  "Talks to the tuneforge server (TUNEFORGE_URL, default http://127.0.0.1:3000; TUNEFORGE_API_TOKEN when it",
  "requires sign-in; --url overrides the address).",
  "",
  "create   imports FILE (and the --validation file into the validation split) as a new dataset, freezes a",
  "         version, checks it and launches an OpenAI fine-tuning job on it. Hyperparameters left out are",
  '         "auto". --wait polls until the job ends, with progress on stderr (Ctrl-C stops waiting, not the job).',
  "         --provider local trains a LoRA adapter on a GPU worker instead: --model is a folder in the server's",
  "         models directory (by name, or a path inside it); defaults are `tuneforge train`'s.",
  "         --from JOB_ID launches again with that job's settings (as the job page's \"Launch again\"): each flag",
  "         given replaces one of them; without --data it trains on that job's dataset version.",
  "         --sweep (local) launches one job per value, all checked first (a refused value launches none);",
  "         --json then prints the array of jobs, and --wait waits for each in turn.",
  "list     newest jobs first, 200 at a time; --status filters (queued, uploading, validating_files, running,",
  "         cancelling, succeeded, failed, cancelled). When there are more, the last line gives the --before that",
  "         lists the next (older) 200.",
  "show     one job: status, estimate and cost, model, latest metrics and events.",
  "cancel   asks the worker to cancel the job (with OpenAI; a local job stops at the next step, checkpoint kept).",
  "attach   follows a job launched elsewhere by its OpenAI id (ftjob-…): events, metrics and cost appear here.",
  "note     sets the team's note on a job (shown on its page, in the list and on the compare page); \"\" clears it.",
  "delete   removes a finished job: its curves, events, checkpoints and (local) its folder of adapters and exports;",
  "         refused while it or an evaluation of it runs. An OpenAI job's fine-tuned model stays on OpenAI.",
  "",
  "--json prints the job (or the page: {\"jobs\": […], \"total\", \"newer\", \"older\"}) as the API returns it: id,",
  "status, provider, baseModel, fineTunedModel, trainedTokens, estimatedUsd, actualUsd, metrics [{step, trainLoss,",
  "validLoss, …}], events …;",
  "local jobs add adapterPath (absolute), backend, workerId, loraConfig and queuePosition.",
  "",
  "Exit codes: 0 done (with --wait: the job succeeded); 1 refused by the server (its message is printed: lines",
  "with errors, a blocked launch, a finished job) or, with --wait, the job failed or was cancelled; 2 wrong",
  "usage, a file that cannot be read, or the server cannot be reached.",
  "",
].join("\n");


const jobPath = (id: string) => `/api/jobs/${encodeURIComponent(id)}`;

async function run(sub: string | undefined, rest: string[], ctx: CliContext): Promise<number> {
  switch (sub) {
    case "create": {
      if (hasFromFlag(rest)) {
        const from = parseFromCreateArgs(rest);
        const client = await serverApi(from.url);
        const { draft } = await client.json<{ draft: RelaunchDraft }>("GET", `${jobPath(from.from)}/relaunch`);
        ctx.err(`settings from job ${from.from} (${draft.provider === "openai" ? "OpenAI" : "local"}, ${draft.from.status}${draft.from.datasetLabel ? `, on ${draft.from.datasetLabel}` : ""})\n`);
        return runCreate(createArgsFromDraft(from, draft), client, ctx);
      }
      const a = parseCreateArgs(rest);
      return runCreate(a, await serverApi(a.url), ctx);
    }
    case "list": {
      const a = parseListArgs(rest);
      const page = await (await serverApi(a.url)).json<JobListPage>("GET", "/api/jobs", undefined, { status: a.status.join(",") || undefined, before: a.before });
      ctx.out(a.json ? `${JSON.stringify(page, null, 2)}\n` : formatList(page.jobs) + pageFooter({ ...page, shown: page.jobs.length }, "Jobs", `tuneforge jobs list${a.status.length ? ` --status ${a.status.join(",")}` : ""}`));
      return 0;
    }
    case "show":
    case "cancel": {
      const a = parseIdArgs(sub, "job ID", rest);
      const client = await serverApi(a.url);
      const { job } = await client.json<{ job: JobView }>(sub === "show" ? "GET" : "POST", sub === "show" ? jobPath(a.id) : `${jobPath(a.id)}/cancel`);
      if (a.json) ctx.out(`${JSON.stringify(job, null, 2)}\n`);
      else if (sub === "show") ctx.out(formatJob(job, client.url(`/jobs/${job.id}`)));
      else if (job.provider === "local") ctx.out(`Cancel requested for job ${job.id} (now ${job.status}); its GPU worker stops at the next step and keeps the last checkpoint.\n`);
      else ctx.out(`Cancel requested for job ${job.id} (now ${job.status}); the worker cancels it with OpenAI.\n`);
      return 0;
    }
    case "note": {
      const { values: v, positionals } = parseCommandOptions("jobs", rest, { json: { type: "boolean", default: false }, url: { type: "string" } }, { positionals: true });
      if (positionals.length !== 2) throw new UsageError(`jobs note: pass the job ID and the note's text (in quotes; "" clears it), got ${positionals.length} argument(s).`);
      const [id, text] = positionals as [string, string];
      const { job } = await (await serverApi(v.url)).json<{ job: JobView }>("PATCH", jobPath(id), { note: text });
      ctx.out(v.json ? `${JSON.stringify(job, null, 2)}\n` : job.note ? `Note on job ${job.id}: ${job.note}\n` : `Note on job ${job.id} cleared.\n`);
      return 0;
    }
    case "delete": {
      const a = parseIdArgs(sub, "job ID", rest);
      const { deleted } = await (await serverApi(a.url)).json<{ deleted: DeletedJob }>("DELETE", jobPath(a.id));
      ctx.out(a.json ? `${JSON.stringify(deleted, null, 2)}\n` : `Deleted job ${deleted.id}.${deleted.note ? ` ${deleted.note}` : ""}\n`);
      return 0;
    }
    case "attach": {
      const a = parseIdArgs(sub, "OpenAI job id (ftjob-…)", rest);
      const client = await serverApi(a.url);
      const { job } = await client.json<{ job: JobView }>("POST", "/api/jobs/attach", { remoteJobId: a.id });
      ctx.out(a.json ? `${JSON.stringify(job, null, 2)}\n` : `Attached ${a.id} as job ${job.id} (${job.status}, ${job.baseModel}): ${client.url(`/jobs/${job.id}`)}\n`);
      return 0;
    }
    default:
      throw new UsageError(sub ? `jobs: unknown subcommand "${sub}"; use create, list, show, cancel, delete, note or attach.` : "jobs: say what to do: create, list, show, cancel, delete, note or attach. Run `tuneforge jobs --help` for usage.");
  }
}

export const jobsCommand: Command = {
  name: "jobs",
  summary: "create, list, show, cancel, delete or attach fine-tuning jobs on a running tuneforge",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    return serverSubcommandExit("jobs", sub, ctx, () => run(sub, rest, ctx));
  },
};
