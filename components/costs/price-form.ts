import type { PriceRow } from "@/lib/pricing/list";

// The price dialog's fields as typed text, turned into the API's body. Checked here first so a typo is shown
// beside its field at once; the server checks again and its message (which names the field) lands there too.

export type PriceFormKey =
  | "provider"
  | "model"
  | "trainingPerMTok"
  | "inputPerMTok"
  | "cachedInputPerMTok"
  | "outputPerMTok"
  | "baseInputPerMTok"
  | "baseCachedInputPerMTok"
  | "baseOutputPerMTok"
  | "asOf"
  | "note";
export type PriceFormValues = Record<PriceFormKey, string>;
export type PriceFormErrors = Partial<Record<PriceFormKey, string>>;

const PRICE_KEYS = [
  "trainingPerMTok",
  "inputPerMTok",
  "cachedInputPerMTok",
  "outputPerMTok",
  "baseInputPerMTok",
  "baseCachedInputPerMTok",
  "baseOutputPerMTok",
] as const;

const text = (n: number | null) => (n === null ? "" : String(n));

export function formFromRow(row: PriceRow | null): PriceFormValues {
  return {
    provider: row?.provider ?? "openai",
    model: row?.model ?? "",
    trainingPerMTok: text(row?.trainingPerMTok ?? null),
    inputPerMTok: text(row?.inputPerMTok ?? null),
    cachedInputPerMTok: text(row?.cachedInputPerMTok ?? null),
    outputPerMTok: text(row?.outputPerMTok ?? null),
    baseInputPerMTok: text(row?.baseInputPerMTok ?? null),
    baseCachedInputPerMTok: text(row?.baseCachedInputPerMTok ?? null),
    baseOutputPerMTok: text(row?.baseOutputPerMTok ?? null),
    // Empty: the server dates an edit today; the current date is shown as a hint.
    asOf: "",
    note: row?.note ?? "",
  };
}

/** The request body, or the errors to show; training price and model are required, other prices may be empty. */
export function bodyFromForm(v: PriceFormValues, mode: "add" | "edit"): { body: Record<string, unknown> } | { errors: PriceFormErrors } {
  const errors: PriceFormErrors = {};
  const body: Record<string, unknown> = { model: v.model.trim(), note: v.note };
  if (mode === "add") body.provider = v.provider;
  if (!v.model.trim()) errors.model = "Type the model's name, e.g. gpt-4o-mini-2024-07-18.";
  for (const key of PRICE_KEYS) {
    const raw = v[key].trim().replace(/^\$/, "");
    if (raw === "") {
      if (key === "trainingPerMTok") errors[key] = "Type the training price (0 for free).";
      else body[key] = null;
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) errors[key] = "Type a number of dollars, e.g. 0.15.";
    else if (n < 0) errors[key] = "Cannot be negative; type 0 for free.";
    else body[key] = n;
  }
  if (v.asOf) body.asOf = v.asOf;
  return Object.keys(errors).length > 0 ? { errors } : { body };
}

/** Puts a server message ("trainingPerMTok: …", "model: …") beside its field; other messages stay general. */
export function fieldOfServerMessage(message: string): { field: PriceFormKey | null; message: string } {
  const m = /^(\w+): (.*)$/.exec(message);
  const keys: readonly string[] = ["provider", "model", ...PRICE_KEYS, "asOf", "note"];
  if (m && keys.includes(m[1]!)) return { field: m[1] as PriceFormKey, message: m[2]! };
  return { field: null, message };
}
