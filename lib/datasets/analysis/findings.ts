import type { StoredIssue } from "../rows/issues";
import { NEAR_DUPLICATE_JACCARD } from "../validate/dataset";
import { NearDuplicateIndex } from "../validate/minhash";
import { severityOf, type IssueCode } from "../validate/codes";
import type { Fingerprint } from "./fingerprint";

// The dataset-level findings, computed over every row in table order with only fingerprints in memory:
// exact duplicates and near duplicates within a split (the first row by position is the original), a held-out
// row whose user prompt equals or nearly equals a training row's (leakage), and rows over the token limit.
// Rows are named as the table shows them: "example #N" is position + 1.

export type AnalyzedRow = {
  id: string;
  position: number;
  split: "train" | "validation" | "test";
  tokenCount: number | null;
  fingerprint: Fingerprint;
};

type SplitState = { exact: Map<string, number>; near: NearDuplicateIndex<number> };

const label = (position: number) => `example #${position + 1}`;

export class DatasetFindings {
  private readonly splits = new Map<string, SplitState>();
  private readonly trainPrompts = new Map<string, number>();
  private readonly trainPromptIndex: NearDuplicateIndex<number>;
  /** Held-out prompts, checked at finish(): a training row later in the table can still match them. */
  private readonly heldOut: { id: string; split: string; prompt: string; shingles: Uint32Array; sig: Uint32Array }[] = [];
  private readonly found = new Map<string, StoredIssue[]>();
  readonly counts = { exactDuplicates: 0, nearDuplicates: 0, leaked: 0, overLimit: 0 };

  constructor(
    private readonly opts: { tokenLimit: number; model: string; threshold?: number },
  ) {
    this.trainPromptIndex = new NearDuplicateIndex(this.threshold);
  }

  private get threshold(): number {
    return this.opts.threshold ?? NEAR_DUPLICATE_JACCARD;
  }

  private report(id: string, code: IssueCode, message: string): void {
    const list = this.found.get(id) ?? [];
    list.push({ code, severity: severityOf(code), message });
    this.found.set(id, list);
  }

  private state(split: string): SplitState {
    let s = this.splits.get(split);
    if (!s) {
      s = { exact: new Map(), near: new NearDuplicateIndex(this.threshold) };
      this.splits.set(split, s);
    }
    return s;
  }

  /** Feed rows in table order (position, then id). */
  add(row: AnalyzedRow): void {
    const fp = row.fingerprint;
    if (row.tokenCount !== null && row.tokenCount > this.opts.tokenLimit) {
      this.counts.overLimit += 1;
      this.report(
        row.id,
        "too_many_tokens",
        `${row.tokenCount.toLocaleString("en-US")} tokens, over the ${this.opts.tokenLimit.toLocaleString("en-US")}-token limit per example for ${this.opts.model}; training truncates it, so shorten or split it`,
      );
    }
    const state = this.state(row.split);
    const where = row.split === "train" ? "" : ` in the ${row.split} split`;
    const original = state.exact.get(fp.exact);
    if (original !== undefined) {
      this.counts.exactDuplicates += 1;
      this.report(row.id, "exact_duplicate", `same as ${label(original)}${where} (identical text ignoring case and whitespace); delete one copy`);
    } else {
      state.exact.set(fp.exact, row.position);
      const match = state.near.query(fp.dialogue, fp.dialogueSig);
      if (match) {
        this.counts.nearDuplicates += 1;
        this.report(
          row.id,
          "near_duplicate",
          `${Math.round(match.jaccard * 100)}% the same as ${label(match.id)}${where} (word 3-shingles, system messages aside); keep the better one or make them differ`,
        );
      }
      state.near.add(row.position, fp.dialogue, fp.dialogueSig);
    }
    if (fp.prompt === "") return;
    if (row.split === "train") {
      if (!this.trainPrompts.has(fp.prompt)) this.trainPrompts.set(fp.prompt, row.position);
      this.trainPromptIndex.add(row.position, fp.promptShingles, fp.promptSig);
    } else {
      this.heldOut.push({ id: row.id, split: row.split, prompt: fp.prompt, shingles: fp.promptShingles, sig: fp.promptSig });
    }
  }

  /** Dataset-level findings by row id (rows without any are absent). */
  finish(): Map<string, StoredIssue[]> {
    for (const h of this.heldOut) {
      const same = this.trainPrompts.get(h.prompt);
      const near = same === undefined ? this.trainPromptIndex.query(h.shingles, h.sig) : null;
      if (same === undefined && !near) continue;
      this.counts.leaked += 1;
      const how = same !== undefined ? `the same user prompt as training ${label(same)}` : `nearly the same user prompt as training ${label(near!.id)} (${Math.round(near!.jaccard * 100)}% of word 3-shingles)`;
      this.report(h.id, "split_leakage", `this ${h.split} example has ${how}; its loss will look better than it is, so drop it from one split`);
    }
    this.heldOut.length = 0;
    return this.found;
  }
}

/** A stable key of a row's dataset-level findings, to write only rows whose findings changed. */
export function findingsKey(issues: readonly StoredIssue[] | undefined): string {
  if (!issues || issues.length === 0) return "";
  return JSON.stringify([...issues].map((i) => [i.code, i.severity, i.message]).sort());
}

/**
 * The position of the example a duplicate finding points at ("same as example #12" → 11), for the statistics
 * panel's duplicate clusters. The messages above are written here, so this reads them back reliably.
 */
export function referencedPosition(message: string): number | null {
  const m = /example #(\d+)/.exec(message);
  return m ? Number(m[1]) - 1 : null;
}
