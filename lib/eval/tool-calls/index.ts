export { callsOfToolCalls, formatCalls, replyText, type EvalCall } from "./format";
export { callScores, callScoresOfText, sameValue, type CallScores } from "./match";
export { parseCalls } from "./parse";
