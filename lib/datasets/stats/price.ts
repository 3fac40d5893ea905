import type { PriceRow } from "../../pricing/list";
import { baseModelName } from "../../tokens/model-name";

// The training price of a count model from the editable price table: the exact name, else a row of the same
// family (gpt-4o-mini → gpt-4o-mini-2024-07-18; gpt-3.5-turbo-0613 → gpt-3.5-turbo-0125). `ft:` names price
// as their base. null for local models and names the table has no row for.

const familyOf = (model: string) => model.replace(/-\d{4}-\d{2}-\d{2}$/, "").replace(/-\d{4}$/, "");

export function trainingPriceFor(prices: readonly Pick<PriceRow, "model" | "trainingPerMTok">[], model: string): { model: string; usdPerMTok: number } | null {
  if (model.startsWith("local:")) return null;
  const base = baseModelName(model);
  const row = prices.find((p) => p.model.toLowerCase() === base) ?? prices.find((p) => familyOf(p.model.toLowerCase()) === familyOf(base));
  return row ? { model: row.model, usdPerMTok: row.trainingPerMTok } : null;
}
