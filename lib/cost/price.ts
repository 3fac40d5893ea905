import { DEFAULT_PRICES } from "../pricing/defaults";
import { baseModelName } from "../tokens/model-name";

/**
 * Training price (USD per 1M tokens) from the built-in table, for offline use (the CLI); the server uses the
 * editable price table instead. Matches the exact name, then a snapshot of an alias (`gpt-4o-mini` →
 * `gpt-4o-mini-2024-07-18`), then the alias of a snapshot not in the table (`gpt-3.5-turbo-1106` →
 * `gpt-3.5-turbo-0125`'s family). `ft:` names resolve to their base. Null when the model is unknown.
 */
export function defaultTrainingPrice(model: string): number | null {
  const base = baseModelName(model);
  const exact = DEFAULT_PRICES.find((p) => p.model === base);
  if (exact) return exact.trainingPerMTok;
  const family = familyOf(base);
  const sameFamily = DEFAULT_PRICES.find((p) => familyOf(p.model) === family);
  return sameFamily ? sameFamily.trainingPerMTok : null;
}

/** The model name without its date or numeric snapshot suffix: `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`. */
function familyOf(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, "").replace(/-\d{4}$/, "");
}
