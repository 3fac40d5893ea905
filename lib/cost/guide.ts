import { MIN_EXAMPLES, RECOMMENDED_EXAMPLES } from "../datasets/validate/dataset";
import { TAG_DOMINANCE_SHARE } from "../datasets/stats/readiness";
import type { DatasetStats } from "../datasets/stats/stats";

// "Do you need fine-tuning?" tied to one dataset: the checks that decide whether fine-tuning on it is worth it
// yet (enough examples, what they cover, a held-out set to measure by, no rejected rows), each with what to do,
// and one overall recommendation in the ladder's terms (prompting → few-shot → RAG → fine-tune).

export type GuideStatus = "ok" | "warn" | "fail";
export type GuideItem = { code: string; status: GuideStatus; label: string; detail: string; todo: string | null };
export type GuideVerdict = { level: "ready" | "caution" | "not_yet"; title: string; detail: string };
export type DatasetGuide = { items: GuideItem[]; verdict: GuideVerdict };

/** The statistics the guide reads (a subset of the dataset statistics the Statistics tab shows). */
export type GuideFacts = Pick<DatasetStats, "examples" | "splits" | "withErrors" | "untagged" | "tags" | "distinctTags" | "analysisPending">;

const n = (x: number) => x.toLocaleString("en-US");
const pct = (part: number, whole: number) => `${Math.floor((part / whole) * 100)} %`;

function examplesItem(train: number): GuideItem {
  const label = "Training examples";
  if (train < MIN_EXAMPLES) {
    return { code: "examples", status: "fail", label, detail: `${n(train)} training examples; OpenAI refuses fewer than ${MIN_EXAMPLES}.`, todo: `Add at least ${n(MIN_EXAMPLES - train)} more, or use the ones you have as few-shot examples in the prompt.` };
  }
  if (train < RECOMMENDED_EXAMPLES) {
    return { code: "examples", status: "warn", label, detail: `${n(train)} training examples: enough to start, fewer than the ${RECOMMENDED_EXAMPLES} recommended.`, todo: `Add ${n(RECOMMENDED_EXAMPLES - train)} more good examples; improvements usually show from 50–100.` };
  }
  return { code: "examples", status: "ok", label, detail: `${n(train)} training examples (${RECOMMENDED_EXAMPLES} or more recommended).`, todo: null };
}

function coverageItem(f: GuideFacts): GuideItem {
  const label = "Tag coverage";
  if (f.examples === 0) return { code: "coverage", status: "fail", label, detail: "No examples to cover anything yet.", todo: "Import or write examples of each case the model must handle." };
  if (f.distinctTags === 0) {
    return { code: "coverage", status: "warn", label, detail: "No example is tagged, so you cannot see which cases the data covers.", todo: "Tag examples by case (e.g. billing, refund, outage) in the Examples tab." };
  }
  const top = f.tags[0];
  if (top && top.count / f.examples >= TAG_DOMINANCE_SHARE) {
    return { code: "coverage", status: "warn", label, detail: `${pct(top.count, f.examples)} of examples carry “${top.tag}”: the model will mostly learn that case.`, todo: "Add examples of the other cases the model will see." };
  }
  if (f.untagged > 0) {
    return { code: "coverage", status: "warn", label, detail: `${n(f.distinctTags)} tags; ${n(f.untagged)} of ${n(f.examples)} examples have none.`, todo: "Tag the rest so gaps in coverage show." };
  }
  return { code: "coverage", status: "ok", label, detail: `${n(f.distinctTags)} tags cover every example${top ? `; the largest, “${top.tag}”, has ${pct(top.count, f.examples)}` : ""}.`, todo: null };
}

function validationItem(validation: number): GuideItem {
  const label = "Validation split";
  if (validation === 0) {
    return { code: "validation", status: "warn", label, detail: "No validation examples: nothing to measure the fine-tuned model by.", todo: "Split off 10–20 % in the Splits & versions tab before training." };
  }
  return { code: "validation", status: "ok", label, detail: `${n(validation)} validation examples held out to measure the result.`, todo: null };
}

function errorsItem(withErrors: number): GuideItem {
  const label = "Format errors";
  if (withErrors > 0) {
    return { code: "errors", status: "fail", label, detail: `${n(withErrors)} example${withErrors === 1 ? " has" : "s have"} errors; OpenAI rejects the file until they are fixed.`, todo: 'Filter the Examples tab by "has errors" and fix or remove them.' };
  }
  return { code: "errors", status: "ok", label, detail: "No example has format errors.", todo: null };
}

function verdict(items: GuideItem[], train: number): GuideVerdict {
  if (train < MIN_EXAMPLES) {
    return { level: "not_yet", title: "Not yet: stay with prompting and few-shot", detail: `With fewer than ${MIN_EXAMPLES} examples there is nothing to fine-tune on. Put your best examples into the prompt (few-shot) and collect more from real use.` };
  }
  if (items.some((i) => i.status === "fail")) {
    return { level: "not_yet", title: "Not yet: fix the failing checks first", detail: "A training run on this data would be refused or wasted. Fix the items marked above, then check again." };
  }
  if (items.some((i) => i.status === "warn")) {
    return { level: "caution", title: "Possible, with care", detail: "The data can be trained on, but the warnings above make the result harder to trust. Fix them if you can, and make sure prompting and few-shot have really been tried." };
  }
  return { level: "ready", title: "Ready to fine-tune, if prompting is not enough", detail: "This dataset meets the checks. Fine-tune when a well-written prompt with examples (and RAG for facts) still misses the format, style or cost you need." };
}

export function datasetGuide(f: GuideFacts): DatasetGuide {
  const items = [examplesItem(f.splits.train), coverageItem(f), validationItem(f.splits.validation), errorsItem(f.withErrors)];
  if (f.analysisPending) {
    items.push({ code: "analysis", status: "warn", label: "Analysis", detail: "Token counts and duplicate checks are still running; figures may change.", todo: "Check again in a moment." });
  }
  return { items, verdict: verdict(items, f.splits.train) };
}
