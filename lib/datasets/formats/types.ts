// Every import format is normalized to what OpenAI trains on: a chat example ({messages, tools?, …}) for
// supervised data, or a DPO preference example ({input, preferred_output, non_preferred_output}).

export type DatasetFormat = "openai-chat" | "preference" | "alpaca" | "sharegpt" | "prompt-completion" | "csv";

export type ChatMessage = Record<string, unknown> & { role: string };

export type ChatExample = Record<string, unknown> & { messages: unknown[] };

export type PreferenceExample = Record<string, unknown> & {
  input: Record<string, unknown> & { messages: unknown[] };
  preferred_output: unknown[];
  non_preferred_output: unknown[];
};

export type ConvertedRecord = { kind: "chat"; example: ChatExample } | { kind: "preference"; example: PreferenceExample };

// invalid_json / invalid_utf8 come from reading the line, before any converter runs; unrecognized_format
// marks a record whose keys match no supported format.
export type FormatErrorCode =
  | "invalid_json"
  | "invalid_utf8"
  | "unrecognized_format"
  | "data_type"
  | "missing_field"
  | "invalid_field"
  | "unrecognized_role"
  | "empty_conversation"
  | "missing_column_mapping";

export type FormatError = { line: number; code: FormatErrorCode; message: string };

export type ConvertResult = ConvertedRecord | { error: FormatError };

/** Which CSV columns (by header name) hold each part of a single-turn example. */
export type CsvColumnMapping = { system?: string; user: string; assistant: string };

export type ConvertOptions = { csvMapping?: CsvColumnMapping };
