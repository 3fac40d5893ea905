// The LLM judge's pure side: the prompts it is sent, reading its replies, and the position-fair verdict.
export { pairwiseJudgeMessages, type PairwiseInput } from "./pairwise";
export { parseJudgeReply } from "./parse";
export { combineVerdicts } from "./combine";
export { pointwiseJudgeMessages, parsePointwiseReply, type PointwiseInput } from "./pointwise";
export { JudgeParseError } from "./errors";
