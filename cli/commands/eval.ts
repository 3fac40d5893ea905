import { UsageError } from "../args";
import type { CliContext, Command } from "../command";
import type { EvalListPage } from "../../lib/eval/list";
import type { EvalRunView } from "../../lib/eval/types";
import { serverApi, serverSubcommandExit } from "./jobs/api";
import { parseEvalCreateArgs, parseEvalExportArgs, parseEvalIdArgs, parseEvalListArgs } from "./eval/args";
import { runEvalCreate } from "./eval/create";
import { runEvalExport } from "./eval/export";
import { evalResultJson, formatEvalList, formatEvalRun } from "./eval/format";
import { pageFooter } from "./page-footer";

// tuneforge eval create|show|list|export – evaluations (fine-tuned vs baseline) on a running tuneforge, through
// its REST API.

const USAGE = [
  "Usage: tuneforge eval create (--data FILE.jsonl | --dataset-version ID [--split train|validation])",
  "                             --candidate SPEC --baseline SPEC [--judge SPEC [--rubric TEXT]]",
  "                             [--json-schema FILE] [--name NAME] [--limit N] [--concurrency N]",
  "                             [--temperature X] [--max-tokens N] [--wait [--interval SECONDS]] [--json]",
  "       tuneforge eval show ID [--json]",
  "       tuneforge eval list [--status S[,S…]] [--job JOB_ID] [--before CURSOR] [--json]",
  "       tuneforge eval export ID [--format csv|json] [--out FILE]",
  "",
  "Model SPECs: job:<id>[@<step>] (a fine-tuning job's result or one of its checkpoints), local:<model>[+<adapter dir>],",
  "openai:<model> (the key in Settings), endpoint:<base url>#<model> (any OpenAI-compatible server).",
  "",
  "Talks to the tuneforge server (TUNEFORGE_URL, default http://127.0.0.1:3000; TUNEFORGE_API_TOKEN when it",
  "requires sign-in; --url overrides the address).",
  "",
  "create   --data imports FILE (chat JSONL; each line's last assistant turn is the expected answer) as a new",
  "         dataset and evaluates every line of it; --dataset-version evaluates a frozen version's held-out",
  "         split (validation unless --split train). Both models answer every prompt; metrics per sample;",
  "         with --judge, an LLM judge compares the answers in both orders. --wait polls until the run ends,",
  "         with progress on stderr (Ctrl-C stops waiting, not the run).",
  "show     one run: progress, win rate with its 95% interval, metric deltas with intervals, tags where the",
  "         candidate regressed or improved, latency and cost per side.",
  "list     newest runs first, 200 at a time; --status filters (queued, running, succeeded, failed, cancelled), --job",
  "         by job. When there are more, the last line gives the --before that lists the next (older) 200.",
  "export   every sample (prompt, expected, both outputs, metrics, verdicts, rationales) as CSV (default) or",
  "         JSON, to --out FILE or stdout.",
  "",
  '--json (create, show) prints {"id", "status", "n", "winRate": {"candidate", "ci": [lo, hi]} | null,',
  '"metrics": {"exactMatch": {"baseline", "candidate", "delta", "ci", "n"}, "jsonValid": {…}, …}, "warnings",',
  '"verdicts", "regressions", "improvements", "progress", "url", …}; list --json prints the page, {"runs": [...],',
  '"total", "newer", "older"}, as the API returns it.',
  "",
  "Exit codes: 0 done (with --wait: the run succeeded); 1 refused by the server (its message is printed) or,",
  "with --wait, the run failed or was cancelled; 2 wrong usage, a file that cannot be read, or the server",
  "cannot be reached.",
  "",
].join("\n");


async function run(sub: string | undefined, rest: string[], ctx: CliContext): Promise<number> {
  switch (sub) {
    case "create": {
      const a = parseEvalCreateArgs(rest);
      return runEvalCreate(a, await serverApi(a.url), ctx);
    }
    case "show": {
      const a = parseEvalIdArgs(sub, rest);
      const client = await serverApi(a.url);
      const { run } = await client.json<{ run: EvalRunView }>("GET", `/api/evals/${encodeURIComponent(a.id)}`);
      const url = client.url(`/evaluations/${run.id}`);
      ctx.out(a.json ? `${JSON.stringify(evalResultJson(run, url), null, 2)}\n` : formatEvalRun(run, url));
      return 0;
    }
    case "list": {
      const a = parseEvalListArgs(rest);
      const page = await (await serverApi(a.url)).json<EvalListPage>("GET", "/api/evals", undefined, { status: a.status.join(",") || undefined, jobId: a.jobId, before: a.before });
      const filters = `${a.status.length ? ` --status ${a.status.join(",")}` : ""}${a.jobId ? ` --job ${a.jobId}` : ""}`;
      ctx.out(a.json ? `${JSON.stringify(page, null, 2)}\n` : formatEvalList(page.runs) + pageFooter({ ...page, shown: page.runs.length }, "Evaluations", `tuneforge eval list${filters}`));
      return 0;
    }
    case "export": {
      const a = parseEvalExportArgs(rest);
      const { env } = await import("../../lib/env");
      const e = env();
      return runEvalExport(a, a.url ?? e.TUNEFORGE_URL, e.TUNEFORGE_API_TOKEN, ctx);
    }
    default:
      throw new UsageError(sub ? `eval: unknown subcommand "${sub}"; use create, show, list or export.` : "eval: say what to do: create, show, list or export. Run `tuneforge eval --help` for usage.");
  }
}

export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate a fine-tuned model against a baseline (create, show, list, export) on a running tuneforge",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    return serverSubcommandExit("eval", sub, ctx, () => run(sub, rest, ctx));
  },
};
