import { MIN_EXAMPLES, RECOMMENDED_EXAMPLES } from "../validate/dataset";

// The "is this ready to train on?" checklist at the top of the statistics panel, in plain sentences. Each
// rule says what is wrong and what to do; an "ok" item says what was checked, so a clean dataset reads as
// checked rather than empty.

export type ReadinessLevel = "error" | "warning" | "ok";
export type ReadinessItem = { level: ReadinessLevel; code: string; message: string };

/** A single tag on this share of the examples dominates what the model learns. */
export const TAG_DOMINANCE_SHARE = 0.9;

export type ReadinessFacts = {
  examples: number;
  train: number;
  validation: number;
  withErrors: number;
  overLimit: number;
  tokenLimit: number;
  countModel: string;
  exactDuplicates: number;
  nearDuplicates: number;
  leaked: number;
  /** The most common tag and how many examples carry it; null when nothing is tagged. */
  topTag: { tag: string; count: number } | null;
  counted: number;
  analysisPending: boolean;
  analysisError: string | null;
};

const n = (x: number) => x.toLocaleString("en-US");
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

export function readiness(f: ReadinessFacts): ReadinessItem[] {
  const items: ReadinessItem[] = [];
  if (f.examples === 0) return [{ level: "error", code: "empty", message: "The dataset has no examples yet: import a file or add examples to start." }];

  if (f.analysisError) items.push({ level: "error", code: "analysis_failed", message: `${f.analysisError}. Token counts and duplicate checks may be out of date.` });
  else if (f.analysisPending) items.push({ level: "warning", code: "counting_pending", message: `Counting tokens and checking for duplicates: ${n(f.counted)} of ${n(f.examples)} examples counted so far; figures below will update.` });

  if (f.train < MIN_EXAMPLES) {
    items.push({ level: "error", code: "too_few_examples", message: `Only ${plural(f.train, "training example")}: OpenAI rejects training files with fewer than ${MIN_EXAMPLES}; add ${n(MIN_EXAMPLES - f.train)} more.` });
  } else if (f.train < RECOMMENDED_EXAMPLES) {
    items.push({ level: "warning", code: "few_examples", message: `Fewer than ${RECOMMENDED_EXAMPLES} examples (${n(f.train)} for training): OpenAI sees clear improvements from 50–100 well-crafted examples.` });
  } else items.push({ level: "ok", code: "enough_examples", message: `${plural(f.train, "training example")}, at least the ${RECOMMENDED_EXAMPLES} OpenAI suggests starting with.` });

  if (f.validation === 0) items.push({ level: "warning", code: "no_validation_split", message: "No validation split: without held-out examples you cannot see overfitting; split off 10–20 %." });
  else items.push({ level: "ok", code: "validation_split", message: `${plural(f.validation, "validation example")} held out to measure overfitting.` });

  if (f.withErrors > 0) items.push({ level: "error", code: "examples_with_errors", message: `${plural(f.withErrors, "example has", "examples have")} errors: OpenAI rejects the file until they are fixed or removed (filter the table by "has errors").` });
  else items.push({ level: "ok", code: "no_errors", message: "No example has format errors." });

  if (f.overLimit > 0) items.push({ level: "warning", code: "over_token_limit", message: `${plural(f.overLimit, "example is", "examples are")} over the ${n(f.tokenLimit)}-token limit of ${f.countModel}: training truncates them.` });

  const dupes = f.exactDuplicates + f.nearDuplicates;
  if (dupes > 0) {
    const parts = [f.exactDuplicates > 0 ? `${n(f.exactDuplicates)} exact` : "", f.nearDuplicates > 0 ? `${n(f.nearDuplicates)} near` : ""].filter(Boolean).join(" and ");
    items.push({ level: "warning", code: "duplicates", message: `${parts} duplicate${dupes === 1 ? "" : "s"}: repeated examples weigh more in training than you meant; keep one of each.` });
  }
  if (f.leaked > 0) items.push({ level: "warning", code: "split_leakage", message: `${plural(f.leaked, "validation example repeats", "validation examples repeat")} a training prompt: validation loss will look better than it is.` });

  if (f.topTag && f.topTag.count / f.examples >= TAG_DOMINANCE_SHARE) {
    const share = Math.floor((f.topTag.count / f.examples) * 100);
    items.push({ level: "warning", code: "tag_dominates", message: `${share} % of examples share one tag (“${f.topTag.tag}”): the model will mostly learn that; add examples of the other cases.` });
  }
  return items;
}
