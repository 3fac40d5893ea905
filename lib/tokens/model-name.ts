// Fine-tuned OpenAI models are named `ft:<base>:<org>:<suffix>:<id>`. Tokenizer, token limit and price all
// follow the base model, so every lookup strips the prefix first.

/** `ft:gpt-4o-mini-2024-07-18:org::abc` → `gpt-4o-mini-2024-07-18`; other names are returned trimmed and lowercased. */
export function baseModelName(model: string): string {
  const name = model.trim().toLowerCase();
  if (!name.startsWith("ft:")) return name;
  const base = name.slice(3).split(":")[0];
  return base ?? "";
}
