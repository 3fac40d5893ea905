import { DAYS_PER_MONTH, type RoiInput, type RoiResult } from "@/lib/cost/roi";
import { formatInt, formatUsd } from "../ui/format";
import styles from "./costs.module.css";

function Item({ id, label, value, tone }: { id: string; label: string; value: string; tone?: "good" | "bad" }) {
  return (
    <div className={`${styles.result} ${tone ? styles[tone] : ""}`} data-testid={`roi-${id}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

const breakEvenText = (days: number | null) => (days === null ? "Never" : `${formatInt(days)} ${days === 1 ? "day" : "days"}`);

export function RoiResults({ result, days }: { result: RoiResult; days: number }) {
  return (
    <dl className={styles.results} aria-label="ROI results">
      <Item id="training-cost" label="Training cost (once)" value={formatUsd(result.trainingCost)} />
      <Item id="monthly-base" label="Monthly cost, base model" value={formatUsd(result.monthlyBase)} />
      <Item id="monthly-ft" label="Monthly cost, fine-tuned" value={formatUsd(result.monthlyFineTuned)} />
      <Item id="monthly-savings" label="Monthly savings" value={formatUsd(result.monthlySavings)} tone={result.monthlySavings > 0 ? "good" : "bad"} />
      <Item id="break-even" label="Break-even" value={breakEvenText(result.breakEvenDays)} tone={result.breakEvenDays === null ? "bad" : "good"} />
      <Item id="net" label={`Net over ${formatInt(days)} days`} value={formatUsd(result.netSavings)} tone={result.netSavings >= 0 ? "good" : "bad"} />
    </dl>
  );
}

const m = (tokens: number) => `${formatInt(tokens)} / 1M`;
const pct = (share: number) => `${Math.round(share * 1000) / 10} %`;

/** The formula in words, with the numbers in use, so every result above can be checked by hand. */
export function HowComputed({ input, result }: { input: RoiInput | null; result: RoiResult | null }) {
  return (
    <details className={styles.how}>
      <summary>How this is computed</summary>
      <ul>
        <li>
          <strong>Training cost</strong> = training tokens × training price per 1M
          {input && result ? ` = ${m(input.trainingTokens)} × ${formatUsd(input.trainingPricePerMTok)} = ${formatUsd(result.trainingCost)}` : ""}. Training
          tokens already include every epoch.
        </li>
        <li>
          <strong>Base model per day</strong> = daily tokens × (input share × base input price + output share × base output price) / 1M
          {input && result ? ` = ${m(input.dailyTokens)} × (${pct(input.inputShare)} × ${formatUsd(input.base.inputPerMTok)} + ${pct(1 - input.inputShare)} × ${formatUsd(input.base.outputPerMTok)}) = ${formatUsd(result.dailyBase)}` : ""}.
        </li>
        <li>
          <strong>Fine-tuned per day</strong>: the same, at the fine-tuned prices, with the input part cut by the prompt reduction (a fine-tuned model
          needs shorter prompts)
          {input && result ? ` = ${m(input.dailyTokens)} × (${pct(input.inputShare)} × (1 − ${pct(input.promptReduction)}) × ${formatUsd(input.fineTuned.inputPerMTok)} + ${pct(1 - input.inputShare)} × ${formatUsd(input.fineTuned.outputPerMTok)}) = ${formatUsd(result.dailyFineTuned)}` : ""}.
        </li>
        <li>
          <strong>Monthly</strong> = per day × {DAYS_PER_MONTH}. <strong>Savings</strong> = base − fine-tuned.
        </li>
        <li>
          <strong>Break-even</strong> = training cost ÷ daily savings, rounded up to whole days; <strong>Never</strong> when the fine-tuned model saves
          nothing per day. <strong>Net</strong> = daily savings × days − training cost.
        </li>
      </ul>
    </details>
  );
}
