import { DEFAULT_PRICES } from "../../pricing/defaults";
import { baseModelName, encodingNameForModel, tokenLimitForModel } from "../../tokens/count";

// Which models a dataset's tokens can be counted for, without loading any tokenizer: the settings form and
// the PATCH route check a name here, and only the analysis (in the worker) builds a counter.

/** A local model is named `local:<folder under the models dir>`; OpenAI models by their API name. */
export const LOCAL_MODEL_PREFIX = "local:";

/**
 * Local models have no fixed per-example limit (the trainer truncates at its sequence length, a run
 * setting); examples are measured against this common training length until a run picks another.
 */
export const LOCAL_DEFAULT_TOKEN_LIMIT = 4_096;

export type CountModel = { kind: "openai"; model: string; encoding: "o200k_base" | "cl100k_base" } | { kind: "local"; model: string; folder: string };

/** Folder names only: no separators or dot-dot, so a model id can never point outside the models dir. */
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The OpenAI base models tuneforge knows (price table defaults); `ft:` names of them are accepted too. */
export function knownOpenAiModels(): string[] {
  return DEFAULT_PRICES.map((p) => p.model);
}

/**
 * Parses a count model name, or throws an error that says what is accepted. OpenAI names must be a known
 * base model (or an `ft:` model built on one, or the short family alias like `gpt-4o-mini`).
 */
export function parseCountModel(name: string, extraKnown: readonly string[] = []): CountModel {
  const trimmed = name.trim();
  if (trimmed.startsWith(LOCAL_MODEL_PREFIX)) {
    const folder = trimmed.slice(LOCAL_MODEL_PREFIX.length);
    if (!FOLDER.test(folder) || folder.includes("..")) {
      throw new Error(`"${name}" is not a local model id: use local:<folder>, where <folder> is a folder directly under the models directory`);
    }
    return { kind: "local", model: trimmed, folder };
  }
  const base = baseModelName(trimmed);
  const known = [...knownOpenAiModels(), ...extraKnown].map((m) => m.toLowerCase());
  // Snapshots of a known family count the same way (gpt-3.5-turbo-0613 → the gpt-3.5-turbo tokenizer).
  if (!known.includes(base) && !known.some((k) => familyOf(k) === familyOf(base))) {
    throw new Error(`"${name}" is not a model tuneforge can count tokens for; pick one of ${knownOpenAiModels().join(", ")} (or local:<folder>)`);
  }
  return { kind: "openai", model: trimmed, encoding: encodingNameForModel(trimmed) };
}

/** The model name without its date or numeric snapshot suffix: `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`. */
function familyOf(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, "").replace(/-\d{4}$/, "");
}

/** Per-example token limit of a count model (OpenAI: by family; local: the default training length). */
export function countModelTokenLimit(name: string): number {
  return name.trim().startsWith(LOCAL_MODEL_PREFIX) ? LOCAL_DEFAULT_TOKEN_LIMIT : tokenLimitForModel(name);
}
