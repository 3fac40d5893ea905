// calculate_fine_tuning_roi: is a fine-tuned model cheaper than the base model once training is paid for?
// A fine-tuned model usually needs shorter prompts (the instructions and examples it learned no longer have
// to be sent), so its input tokens shrink by the prompt reduction; it is priced at its own (fine-tuned) rates.
// All prices are USD per 1M tokens; a month is 30 days.

export const DAYS_PER_MONTH = 30;

export type RoiInput = {
  /** Tokens billed for training (already × epochs). */
  trainingTokens: number;
  trainingPricePerMTok: number;
  /** Tokens the base model would process per day (input + output). */
  dailyTokens: number;
  /** How many days to look ahead for the net result. */
  days: number;
  /** Share of the daily tokens that are input (prompt), 0..1; the rest is output. */
  inputShare: number;
  /** How much shorter the fine-tuned model's prompts are, 0..1. */
  promptReduction: number;
  base: { inputPerMTok: number; outputPerMTok: number };
  fineTuned: { inputPerMTok: number; outputPerMTok: number };
};

export type RoiResult = {
  trainingCost: number;
  dailyBase: number;
  dailyFineTuned: number;
  monthlyBase: number;
  monthlyFineTuned: number;
  dailySavings: number;
  monthlySavings: number;
  /** Whole days until the savings have paid for training; null = never (the fine-tuned model saves nothing). */
  breakEvenDays: number | null;
  /** Savings over `days` minus the training cost (negative: a loss over the period). */
  netSavings: number;
};

const PER_MTOK = 1_000_000;

export function calculateFineTuningRoi(input: RoiInput): RoiResult {
  const { trainingTokens, dailyTokens, inputShare, promptReduction, base, fineTuned, days } = input;
  const outputShare = 1 - inputShare;
  const trainingCost = (trainingTokens * input.trainingPricePerMTok) / PER_MTOK;
  const dailyBase = (dailyTokens * (inputShare * base.inputPerMTok + outputShare * base.outputPerMTok)) / PER_MTOK;
  const dailyFineTuned = (dailyTokens * (inputShare * (1 - promptReduction) * fineTuned.inputPerMTok + outputShare * fineTuned.outputPerMTok)) / PER_MTOK;
  const dailySavings = dailyBase - dailyFineTuned;
  return {
    trainingCost,
    dailyBase,
    dailyFineTuned,
    monthlyBase: dailyBase * DAYS_PER_MONTH,
    monthlyFineTuned: dailyFineTuned * DAYS_PER_MONTH,
    dailySavings,
    monthlySavings: dailySavings * DAYS_PER_MONTH,
    breakEvenDays: breakEven(trainingCost, dailySavings),
    netSavings: dailySavings * days - trainingCost,
  };
}

function breakEven(trainingCost: number, dailySavings: number): number | null {
  // Savings within floating-point noise of zero (equal prices, no reduction) are no savings.
  if (!(dailySavings > 1e-12)) return null;
  // Round away the binary-fraction noise before ceil, so $40 / $2 a day is 20 days, not 21.
  return Math.ceil(Number((trainingCost / dailySavings).toFixed(9)));
}

export type BreakEvenPoint = { day: number; base: number; fineTuned: number };

/**
 * Cumulative spend per day for the chart: the base model pays its daily cost from day 0; the fine-tuned one
 * starts at the training cost. At most `maxPoints` evenly spaced days (always including the first and last).
 */
export function breakEvenSeries(result: RoiResult, days: number, maxPoints = 121): BreakEvenPoint[] {
  const last = Math.max(0, Math.floor(days));
  const step = Math.max(1, Math.ceil(last / (maxPoints - 1)));
  const points: BreakEvenPoint[] = [];
  for (let day = 0; day <= last; day += step) points.push(pointAt(result, day));
  if (points[points.length - 1]!.day !== last) points.push(pointAt(result, last));
  return points;
}

function pointAt(r: RoiResult, day: number): BreakEvenPoint {
  return { day, base: r.dailyBase * day, fineTuned: r.trainingCost + r.dailyFineTuned * day };
}
