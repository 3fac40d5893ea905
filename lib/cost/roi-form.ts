import type { RoiInput } from "./roi";

// The ROI calculator's fields as text (what the user typed, also what the URL carries so a link reproduces the
// calculation), parsed into a RoiInput with one clear message per bad field. Prices left empty come from the
// price table's rows of the chosen models, so editing the table changes the result.

export type RoiFieldKey = "training" | "daily" | "days" | "inputShare" | "reduction" | "trainPrice" | "baseIn" | "baseOut" | "ftIn" | "ftOut";
export type RoiModelKey = "base" | "ft";
export type RoiForm = Record<RoiFieldKey, string> & Record<RoiModelKey, string>;

type Kind = "tokens" | "days" | "percent" | "price";
export const ROI_FIELDS: Record<RoiFieldKey, { label: string; kind: Kind }> = {
  training: { label: "Training tokens", kind: "tokens" },
  daily: { label: "Daily inference tokens", kind: "tokens" },
  days: { label: "Period (days)", kind: "days" },
  inputShare: { label: "Input share (%)", kind: "percent" },
  reduction: { label: "Prompt reduction (%)", kind: "percent" },
  trainPrice: { label: "Training price / 1M", kind: "price" },
  baseIn: { label: "Base input / 1M", kind: "price" },
  baseOut: { label: "Base output / 1M", kind: "price" },
  ftIn: { label: "Fine-tuned input / 1M", kind: "price" },
  ftOut: { label: "Fine-tuned output / 1M", kind: "price" },
};

export const ROI_DEFAULTS: RoiForm = {
  base: "gpt-4o-2024-08-06",
  ft: "gpt-4o-mini-2024-07-18",
  training: "1000000",
  daily: "1000000",
  days: "180",
  inputShare: "80",
  reduction: "50",
  trainPrice: "",
  baseIn: "",
  baseOut: "",
  ftIn: "",
  ftOut: "",
};

export const MAX_DAYS = 3650;

/**
 * Prices of a table row, as the calculator needs them (null: the row has no such price). inputPerMTok and
 * outputPerMTok are what the fine-tuned version costs; base* what the model itself costs (about half).
 */
export type RowPrices = {
  trainingPerMTok: number;
  inputPerMTok: number | null;
  outputPerMTok: number | null;
  baseInputPerMTok: number | null;
  baseOutputPerMTok: number | null;
};

/** Reads the form from URL search params; unknown keys are ignored and missing ones take the defaults. */
export function roiFormFromParams(params: Record<string, string | string[] | undefined>, base: RoiForm = ROI_DEFAULTS): RoiForm {
  const form = { ...base };
  for (const key of Object.keys(base) as (keyof RoiForm)[]) {
    const v = params[key];
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined) form[key] = value;
  }
  return form;
}

/** Only the fields that differ from the defaults, so shared links stay short. */
export function roiFormToParams(form: RoiForm, base: RoiForm = ROI_DEFAULTS): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(form) as (keyof RoiForm)[]) if (form[key] !== base[key]) out[key] = form[key];
  return out;
}

function parseField(key: RoiFieldKey, text: string): { value: number } | { error: string } {
  const { label, kind } = ROI_FIELDS[key];
  const cleaned = text.replace(/[,_\s]/g, "");
  const n = Number(cleaned);
  if (cleaned === "" || !Number.isFinite(n)) return { error: `${label}: type a number` };
  if (n < 0) return { error: `${label}: cannot be negative` };
  if ((kind === "tokens" || kind === "days") && !Number.isInteger(n)) return { error: `${label}: type a whole number` };
  if (kind === "percent" && n > 100) return { error: `${label}: must be between 0 and 100` };
  if (kind === "days" && (n < 1 || n > MAX_DAYS)) return { error: `${label}: must be between 1 and ${MAX_DAYS} days` };
  return { value: kind === "percent" ? n / 100 : n };
}

type PriceKey = "trainPrice" | "baseIn" | "baseOut" | "ftIn" | "ftOut";

export type ParsedRoiForm = {
  input: RoiInput | null;
  errors: Partial<Record<RoiFieldKey, string>>;
  /** The price used for each price field (typed, else from the table; null when neither has one). */
  prices: Record<PriceKey, number | null>;
};

/**
 * Parses every field; a price left empty falls back to the chosen model's row: the base model's own (base)
 * columns for the base prices, the fine-tuned columns of the fine-tuned model's row for the others.
 */
export function parseRoiForm(form: RoiForm, rows: { base: RowPrices | null; ft: RowPrices | null }): ParsedRoiForm {
  const errors: ParsedRoiForm["errors"] = {};
  const values: Partial<Record<RoiFieldKey, number>> = {};
  const fromTable: Record<PriceKey, number | null> = {
    trainPrice: rows.ft?.trainingPerMTok ?? null,
    baseIn: rows.base?.baseInputPerMTok ?? null,
    baseOut: rows.base?.baseOutputPerMTok ?? null,
    ftIn: rows.ft?.inputPerMTok ?? null,
    ftOut: rows.ft?.outputPerMTok ?? null,
  };
  for (const key of Object.keys(ROI_FIELDS) as RoiFieldKey[]) {
    const isPrice = ROI_FIELDS[key].kind === "price";
    if (isPrice && form[key].trim() === "") {
      const tableValue = fromTable[key as PriceKey];
      if (tableValue === null) errors[key] = `${ROI_FIELDS[key].label}: the price table has no ${key === "baseIn" || key === "baseOut" ? "base-model" : "such"} price for this model; type one`;
      else values[key] = tableValue;
      continue;
    }
    const parsed = parseField(key, form[key]);
    if ("error" in parsed) errors[key] = parsed.error;
    else values[key] = parsed.value;
  }
  const prices = { trainPrice: values.trainPrice ?? null, baseIn: values.baseIn ?? null, baseOut: values.baseOut ?? null, ftIn: values.ftIn ?? null, ftOut: values.ftOut ?? null };
  if (Object.keys(errors).length > 0) return { input: null, errors, prices };
  const v = values as Record<RoiFieldKey, number>;
  return {
    input: {
      trainingTokens: v.training,
      trainingPricePerMTok: v.trainPrice,
      dailyTokens: v.daily,
      days: v.days,
      inputShare: v.inputShare,
      promptReduction: v.reduction,
      base: { inputPerMTok: v.baseIn, outputPerMTok: v.baseOut },
      fineTuned: { inputPerMTok: v.ftIn, outputPerMTok: v.ftOut },
    },
    errors,
    prices,
  };
}
