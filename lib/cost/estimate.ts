import { tokenLimitForModel } from "../tokens/count";
import { defaultEpochs } from "./epochs";

export { defaultEpochs, TARGET_EPOCHS, MIN_TARGET_EXAMPLES, MAX_TARGET_EXAMPLES, MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS } from "./epochs";
export { defaultTrainingPrice } from "./price";

export type BillingEstimate = {
  examples: number;
  /** Σ min(limit, tokens): examples over the limit are truncated, so billed only up to it. */
  tokensPerEpoch: number;
  epochs: number;
  /** tokensPerEpoch × epochs. */
  billedTokens: number;
  /** billedTokens × price / 1M; null when no price is known. */
  usd: number | null;
};

export type EstimateOptions = {
  exampleTokens: number[];
  model: string;
  /** Fixed epochs; the cookbook heuristic when absent. */
  epochs?: number;
  /** Per-example limit; the model's when absent. */
  tokenLimit?: number;
  usdPerMTok: number | null;
};

/** The cookbook's billing estimate for training one dataset. Validation tokens are not charged. */
export function estimateBilling(opts: EstimateOptions): BillingEstimate {
  const limit = opts.tokenLimit ?? tokenLimitForModel(opts.model);
  const examples = opts.exampleTokens.length;
  const tokensPerEpoch = opts.exampleTokens.reduce((sum, t) => sum + Math.min(limit, t), 0);
  const epochs = opts.epochs ?? defaultEpochs(examples);
  const billedTokens = tokensPerEpoch * epochs;
  const usd = opts.usdPerMTok === null ? null : (billedTokens * opts.usdPerMTok) / 1_000_000;
  return { examples, tokensPerEpoch, epochs, billedTokens, usd };
}

