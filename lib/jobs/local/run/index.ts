export { runLocalJob, type LocalRunDeps, type LocalRunHooks, type LocalRunOutcome } from "./run";
export { adapterCardMarkdown } from "./card";
export { finalAdapterDir, jobOutputDir } from "./paths";
