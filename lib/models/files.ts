// Tokenizer and generation files a Hugging Face model folder may carry beside config.json and the weights.
// The native trainer writes weights and config only, so whatever writes a model folder from an adapter (the
// merge command, the merged-model export) copies these from the base.
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "chat_template.jinja",
  "special_tokens_map.json",
  "added_tokens.json",
  "tokenizer.model",
  "vocab.json",
  "merges.txt",
  "generation_config.json",
] as const;
