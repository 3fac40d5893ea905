import { defaultEpochs, MAX_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES, MIN_TARGET_EXAMPLES, TARGET_EPOCHS } from "../../cost/epochs";

const int = (n: number) => n.toLocaleString("en-US");

/**
 * Why "auto" means this many epochs, in the cookbook heuristic's own terms (lib/cost/epochs.ts), so the launch
 * form and the CLI can show the number and where it comes from.
 */
export function explainAutoEpochs(trainExamples: number): string {
  const epochs = defaultEpochs(trainExamples);
  const head = `"auto" lets OpenAI choose: ${epochs} epoch${epochs === 1 ? "" : "s"} for ${int(trainExamples)} training example${trainExamples === 1 ? "" : "s"}`;
  if (trainExamples >= 1 && trainExamples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES) {
    return `${head} — small sets get more epochs so training sees about ${MIN_TARGET_EXAMPLES} examples (${MIN_TARGET_EXAMPLES} ÷ ${int(trainExamples)}, rounded down, at most ${MAX_DEFAULT_EPOCHS}).`;
  }
  if (trainExamples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES) {
    return `${head} — large sets get fewer epochs so training sees about ${int(MAX_TARGET_EXAMPLES)} examples (${int(MAX_TARGET_EXAMPLES)} ÷ ${int(trainExamples)}, rounded down, at least 1).`;
  }
  return `${head} — the default of ${TARGET_EPOCHS} for sets of ${Math.ceil(MIN_TARGET_EXAMPLES / TARGET_EPOCHS)} to ${int(Math.floor(MAX_TARGET_EXAMPLES / TARGET_EPOCHS))} examples.`;
}
