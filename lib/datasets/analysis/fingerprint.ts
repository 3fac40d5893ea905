import { shingles, signature } from "../validate/minhash";
import { conversationText, dialogueText, digest, promptText } from "../validate/text";
import { exampleRecord } from "../export";
import type { CountableRow } from "./counter";

// The small per-row fingerprints the dataset-wide checks keep in memory instead of the rows themselves:
// a digest of the normalized conversation (exact duplicates), word-shingles + MinHash signature of the
// dialogue without system messages (near duplicates) and of the user prompt (train/validation leakage).
// The same text views as the CLI validator (lib/datasets/validate/text.ts), so both report the same pairs.

export type Fingerprint = {
  exact: string;
  dialogue: Uint32Array;
  dialogueSig: Uint32Array;
  /** Digest of the normalized user prompt; "" when the example has no user text. */
  prompt: string;
  promptShingles: Uint32Array;
  promptSig: Uint32Array;
};

export function fingerprintRow(row: CountableRow): Fingerprint {
  let record: Record<string, unknown>;
  try {
    record = exampleRecord(row);
  } catch {
    // A DPO row without its outputs (an example-level error already says so): fingerprint the prompt only.
    record = { messages: row.messages };
  }
  const dialogue = shingles(dialogueText(record));
  const prompt = promptText(record);
  const promptShingles = shingles(prompt);
  return {
    exact: digest(conversationText(record)),
    dialogue,
    dialogueSig: signature(dialogue),
    prompt: prompt === "" ? "" : digest(prompt),
    promptShingles,
    promptSig: signature(promptShingles),
  };
}
