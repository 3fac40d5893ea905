// Tokenization for the native trainer stays in TypeScript: chat templates, assistant-only masks, JSONL.
export { loadChatTokenizer, type ChatMessage, type ChatTokenizer, type RenderOptions } from "./chat-tokenizer";
export { describeSkipped, tokenizeDataset, type DatasetReport, type SkippedLine } from "./dataset";
export { parseChatJsonl, readChatJsonl, readDataFile, type NumberedExample } from "./jsonl";
export { tokenizeChat, type ChatExample, type TokenizedExample, type TrainingMessage } from "./masks";
export { pairSequences, parsePreferenceJsonl, tokenizePreferenceDataset, type NumberedPair, type PreferenceReport } from "./preference";
