export { callsOfToolCalls, formatCalls, replyText, type EvalCall } from "./format";
export { callScores, type CallScores } from "./match";
export { parseCalls } from "./parse";
