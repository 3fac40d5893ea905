"use client";

import { useEffect, useState } from "react";
import { MIN_SEARCH_WORD } from "@/lib/datasets/query/params";
import { ISSUE_CODES, type IssueCode } from "@/lib/datasets/validate/codes";
import { formatInt } from "../../ui/format";
import styles from "./table.module.css";
import type { DatasetFacets } from "./types";
import type { TableState } from "./url-state";

type Props = {
  state: TableState;
  update: (changes: TableState) => void;
  facets: DatasetFacets | undefined;
};

/** A search only runs once some word has MIN_SEARCH_WORD characters (the trigram index needs three). */
export function searchable(text: string): boolean {
  const t = text.trim();
  return t === "" || t.split(/\s+/).some((w) => w.length >= MIN_SEARCH_WORD);
}

/** Applies a text value to the URL 250 ms after the last keystroke, and follows the URL when it changes (Clear, Back). */
function useDebouncedParam(value: string | undefined, apply: (v: string) => void, valid: (v: string) => boolean) {
  const [text, setText] = useState(value ?? "");
  useEffect(() => setText(value ?? ""), [value]);
  useEffect(() => {
    if (text === (value ?? "") || !valid(text)) return;
    const t = setTimeout(() => apply(text.trim()), 250);
    return () => clearTimeout(t);
    // apply/valid are recreated each render; the text is what drives this.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return [text, setText] as const;
}

const wholeNumber = (v: string) => v.trim() === "" || /^\d+$/.test(v.trim());
const ordered = (min: string, max: string) => !min.trim() || !max.trim() || !wholeNumber(min) || !wholeNumber(max) || Number(min) <= Number(max);

export function ExamplesToolbar({ state, update, facets }: Props) {
  const [q, setQ] = useDebouncedParam(state.q, (v) => update({ q: v }), searchable);
  // A bound is applied only while the pair makes a range; otherwise the message below says what to fix.
  const [min, setMin] = useDebouncedParam(state.minTokens, (v) => update({ minTokens: v }), (v) => wholeNumber(v) && ordered(v, max));
  const [max, setMax] = useDebouncedParam(state.maxTokens, (v) => update({ maxTokens: v }), (v) => wholeNumber(v) && ordered(min, v));
  const rangeError =
    !wholeNumber(min) || !wholeNumber(max)
      ? "Token bounds are whole numbers."
      : !ordered(min, max)
        ? "Max tokens must be at least min tokens."
        : null;

  const codes = facets?.codes ?? [];
  return (
    <div className={styles.toolbar} role="search" aria-label="Filter examples">
      <div className={styles.search}>
        <span className={styles.searchIcon} aria-hidden="true">
          ⌕
        </span>
        <input
          type="search"
          className="input"
          placeholder="Search messages…"
          aria-label="Search examples"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
      </div>
      <select className={styles.select} aria-label="Split" value={state.split ?? ""} data-active={!!state.split} onChange={(e) => update({ split: e.target.value })}>
        <option value="">All splits</option>
        {(["train", "validation", "test"] as const).map((s) => (
          <option key={s} value={s}>
            {s}
            {facets ? ` (${formatInt(facets.splits[s])})` : ""}
          </option>
        ))}
      </select>
      <select className={styles.select} aria-label="Tag" value={state.tag ?? ""} data-active={!!state.tag} onChange={(e) => update({ tag: e.target.value })}>
        <option value="">All tags</option>
        {state.tag && !facets?.tags.some((t) => t.tag === state.tag) ? <option value={state.tag}>{state.tag}</option> : null}
        {facets?.tags.map((t) => (
          <option key={t.tag} value={t.tag}>
            {t.tag} ({formatInt(t.count)})
          </option>
        ))}
      </select>
      <select className={styles.select} aria-label="Status" value={state.status ?? ""} data-active={!!state.status} onChange={(e) => update({ status: e.target.value })}>
        <option value="">Any status</option>
        <option value="errors">Errors</option>
        <option value="warnings">Warnings</option>
        <option value="clean">Clean</option>
      </select>
      <select className={styles.select} aria-label="Issue" value={state.code ?? ""} data-active={!!state.code} onChange={(e) => update({ code: e.target.value })}>
        <option value="">Any issue</option>
        {state.code && !codes.some((c) => c.code === state.code) ? <option value={state.code}>{state.code}</option> : null}
        {codes.map((c) => (
          <option key={c.code} value={c.code} title={ISSUE_CODES[c.code as IssueCode]?.doc}>
            {c.severity === "error" ? "✗" : "!"} {c.code} ({formatInt(c.count)})
          </option>
        ))}
      </select>
      <span className={styles.tokens}>
        <input
          className={styles.tokenInput}
          inputMode="numeric"
          placeholder="Min tokens"
          aria-label="Minimum tokens"
          aria-invalid={rangeError ? true : undefined}
          data-active={!!state.minTokens}
          value={min}
          onChange={(e) => setMin(e.target.value)}
        />
        –
        <input
          className={styles.tokenInput}
          inputMode="numeric"
          placeholder="Max tokens"
          aria-label="Maximum tokens"
          aria-invalid={rangeError ? true : undefined}
          data-active={!!state.maxTokens}
          value={max}
          onChange={(e) => setMax(e.target.value)}
        />
      </span>
      <label className={styles.toggle}>
        <input type="checkbox" className={styles.check} checked={state.duplicates === "true"} onChange={(e) => update({ duplicates: e.target.checked ? "true" : "" })} />
        Duplicates only
      </label>
      {!searchable(q) ? <span className={styles.hint}>Type at least {MIN_SEARCH_WORD} characters to search.</span> : null}
      {rangeError ? (
        <span className={styles.fieldError} role="alert">
          {rangeError}
        </span>
      ) : null}
    </div>
  );
}
