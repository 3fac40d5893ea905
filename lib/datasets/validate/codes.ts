import type { Severity } from "./types";

// Every code the validator emits, with its severity and a one-line explanation. The README's "Validation
// codes" section lists the same codes (a test keeps them in step). The first seven are the OpenAI cookbook's
// format-error names, kept verbatim so reports can be compared with the notebook's.

export const ISSUE_CODES = {
  invalid_json: { severity: "error", doc: "the line is not valid JSON" },
  invalid_utf8: { severity: "error", doc: "the line's bytes are not valid UTF-8" },
  duplicate_key: { severity: "error", doc: "an object repeats a key (JSON.parse would silently keep only the last)" },
  data_type: { severity: "error", doc: "the line (or a message) is not a JSON object" },
  missing_messages_list: { severity: "error", doc: "`messages` is absent, not a list, or empty" },
  message_missing_key: { severity: "error", doc: "a message lacks `role`, `content` (unless an assistant tool call), or a tool message its `tool_call_id`" },
  message_unrecognized_key: { severity: "error", doc: "a message has a key its role does not allow" },
  unrecognized_role: { severity: "error", doc: "role is not system, user, assistant, tool or function" },
  missing_content: { severity: "error", doc: "content is null or empty where the role requires text" },
  invalid_content: { severity: "error", doc: "content is a number, boolean or object; a content part is malformed or not allowed for the role (images: user messages only, JPEG/PNG/WEBP, at most 10 per example)" },
  empty_content: { severity: "error", doc: "content is only whitespace" },
  example_missing_assistant_message: { severity: "error", doc: "no assistant message to train on" },
  invalid_weight: { severity: "error", doc: "`weight` is not 0 or 1" },
  invalid_tool_call: { severity: "error", doc: "an assistant `tool_calls` entry is not {id, type: \"function\", function: {name, arguments}} with JSON arguments" },
  unknown_tool_call_id: { severity: "error", doc: "a tool message answers a `tool_call_id` no earlier assistant message made" },
  invalid_example_field: { severity: "error", doc: "`tools`, `parallel_tool_calls` or `functions` has the wrong type" },
  invalid_preference: { severity: "error", doc: "a DPO line lacks a valid `input.messages` or one assistant message in `preferred_output` / `non_preferred_output`" },
  unrecognized_example_key: { severity: "warning", doc: "the line has a top-level key OpenAI does not define for chat data" },
  system_not_first: { severity: "warning", doc: "a system message appears after the first message" },
  consecutive_same_role: { severity: "warning", doc: "two user or two assistant messages in a row" },
  missing_user_message: { severity: "warning", doc: "no user message" },
  last_message_not_assistant: { severity: "warning", doc: "the example does not end with an assistant message (later turns teach nothing)" },
  no_trained_assistant_message: { severity: "warning", doc: "every assistant message has weight 0, so the example trains nothing" },
  undefined_tool: { severity: "warning", doc: "a call names a function the example's `tools` do not define (checked when it has tools)" },
  tool_arguments_not_object: { severity: "warning", doc: "a call's `arguments` is JSON but not an object of named arguments" },
  too_many_tokens: { severity: "warning", doc: "the example is over the model's per-example token limit and will be truncated" },
  exact_duplicate: { severity: "warning", doc: "the example equals an earlier one after whitespace/case normalization" },
  near_duplicate: { severity: "warning", doc: "the example's word 3-shingles (system messages aside) overlap an earlier one's with Jaccard ≥ 0.9 (MinHash + LSH)" },
  split_leakage: { severity: "warning", doc: "a validation example's prompt is the same or nearly the same as a training example's" },
  empty_file: { severity: "error", doc: "the file has no examples" },
  too_few_examples: { severity: "error", doc: "fewer than 10 training examples (OpenAI's minimum)" },
  few_examples: { severity: "warning", doc: "fewer than 50 training examples (OpenAI suggests starting with 50)" },
} as const satisfies Record<string, { severity: Severity; doc: string }>;

export type IssueCode = keyof typeof ISSUE_CODES;

export function severityOf(code: IssueCode): Severity {
  return ISSUE_CODES[code].severity;
}
