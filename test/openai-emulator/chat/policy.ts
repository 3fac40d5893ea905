import type { EmulatorState } from "../state";
import { judgeKind, pairwiseVerdict, pointwiseScore } from "./judge";
import { overlapF1, words } from "./overlap";
import { callsOfExample, type EmulatedCall } from "./tools";

// What an emulated chat model says, deterministically:
//  - a judge prompt (any model) → a JSON verdict or score (judge.ts);
//  - an `ft:` model of a succeeded emulator job → the assistant reply of the training example whose last user
//    message overlaps most with the prompt's last user message: a fine-tune that learned its data by heart; a
//    reply that called tools calls them again when the request offers those tools (else only its content), and a
//    conversation that ends with a tool's result is answered from the examples that answer a tool's result;
//  - any other model → a generic, polite, longer paraphrase that is never JSON: a base model that has not
//    learned the task's format.

type Msg = { role: string; content: string };

type Example = { user: string; reply: string; calls: EmulatedCall[]; afterTool: boolean };
export type Answer = { content: string; calls: EmulatedCall[] };
const examplesOf = new WeakMap<Buffer, Example[]>();

function trainingExamples(content: Buffer): Example[] {
  let cached = examplesOf.get(content);
  if (cached) return cached;
  cached = [];
  for (const line of content.toString("utf8").split(/\r?\n/)) {
    if (!line.trim()) continue;
    try {
      const messages = (JSON.parse(line) as { messages?: (Msg & { tool_calls?: unknown })[] }).messages ?? [];
      const last = messages[messages.length - 1];
      const user = [...messages].reverse().find((m) => m.role === "user");
      if (last?.role === "assistant" && user) cached.push({ user: String(user.content), reply: typeof last.content === "string" ? last.content : "", calls: callsOfExample(last.tool_calls), afterTool: messages[messages.length - 2]?.role === "tool" });
    } catch {
      // a line the job's file check would have refused; nothing to learn from it
    }
  }
  examplesOf.set(content, cached);
  return cached;
}

/** The succeeded job whose fine-tuned model this is, or null (unknown ft: models are a 404). */
export function fineTunedJob(state: EmulatorState, model: string) {
  for (const rec of state.jobs.values()) if (rec.job.fine_tuned_model === model && rec.job.status === "succeeded") return rec;
  return null;
}

export function lastUser(messages: Msg[]): string {
  return [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
}

/** `tools`: the names of the functions the request offers. */
export function answer(state: EmulatorState, model: string, messages: Msg[], tools: string[] = []): Answer {
  const kind = judgeKind(messages);
  if (kind === "pairwise") return { content: JSON.stringify(pairwiseVerdict(lastUser(messages))), calls: [] };
  if (kind === "pointwise") return { content: JSON.stringify(pointwiseScore(lastUser(messages))), calls: [] };
  const question = lastUser(messages);
  const job = model.startsWith("ft:") ? fineTunedJob(state, model) : null;
  if (job) {
    const file = state.files.get(job.job.training_file);
    const all = file ? trainingExamples(file.content) : [];
    const afterTool = messages[messages.length - 1]?.role === "tool";
    const alike = all.filter((e) => e.afterTool === afterTool);
    const examples = alike.length > 0 ? alike : all;
    let best: Example | null = null;
    let bestScore = -1;
    for (const e of examples) {
      const s = overlapF1(e.user, question);
      if (s > bestScore) {
        best = e;
        bestScore = s;
      }
    }
    if (best) {
      const calls = best.calls.filter((c) => tools.includes(c.name));
      if (calls.length > 0 && calls.length === best.calls.length) return { content: best.reply, calls };
      if (best.reply !== "") return { content: best.reply, calls: [] };
    }
  }
  return { content: baseModelReply(question), calls: [] };
}

/** A base model's answer: friendly, wordy, restating the question, never in the task's format. */
export function baseModelReply(question: string): string {
  const topic = words(question).slice(0, 12).join(" ");
  return (
    `Thank you for your question! You asked about "${topic}". ` +
    "That is a great thing to ask, and the answer depends a little on the details, so here is a general overview. " +
    "In most cases it helps to consider the context first, then look at the specifics, and finally check the result. " +
    "I hope this helps, and let me know if you would like more information."
  );
}
