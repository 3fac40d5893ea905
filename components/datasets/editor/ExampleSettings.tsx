"use client";

import { Field } from "@/components/ui/Field";
import type { Draft, Split } from "./draft";
import styles from "./editor.module.css";
import { JsonField } from "./JsonField";
import { TagsInput } from "./TagsInput";

type Props = {
  kind: "chat" | "preference";
  draft: Draft;
  savedSplit: Split;
  splitManual: boolean;
  problems: Record<string, string>;
  update: (changes: Partial<Draft>) => void;
};

/** Split (a choice here is manual, so a re-split keeps it), parallel_tool_calls, tags and tool definitions. */
export function ExampleSettings({ kind, draft, savedSplit, splitManual, problems, update }: Props) {
  return (
    <section className={styles.section} aria-labelledby="editor-settings">
      <div className={styles.sectionHead}>
        <h3 id="editor-settings">Example settings</h3>
      </div>
      <div className={styles.settings}>
        <Field
          id="editor-split"
          label="Split"
          hint={splitManual || draft.split !== savedSplit ? "Set by hand: a re-split by ratio keeps it" : "Assigned by the split ratio"}
        >
          {(control) => (
            <select {...control} className="input" value={draft.split} onChange={(e) => update({ split: e.target.value as Split })}>
              <option value="train">train</option>
              <option value="validation">validation</option>
              <option value="test">test (held out)</option>
            </select>
          )}
        </Field>
        {kind === "chat" ? (
          <Field id="editor-parallel" label="Parallel tool calls" hint="Stored as parallel_tool_calls">
            {(control) => (
              <select {...control} className="input" value={draft.parallel} onChange={(e) => update({ parallel: e.target.value as Draft["parallel"] })}>
                <option value="unset">Not set (OpenAI default)</option>
                <option value="on">true</option>
                <option value="off">false</option>
              </select>
            )}
          </Field>
        ) : null}
      </div>
      <Field id="editor-tags" label="Tags" hint="Enter adds a tag; Backspace in the empty box removes the last">
        {(control) => <TagsInput id={control.id} tags={draft.tags} onChange={(tags) => update({ tags })} />}
      </Field>
      <JsonField
        label="Tools"
        value={draft.toolsText}
        onChange={(toolsText) => update({ toolsText })}
        error={problems.Tools}
        placeholder='[{"type": "function", "function": {"name": "get_weather", "parameters": {…}}}]'
        hint="Optional. Function definitions the model may call in this example."
      />
    </section>
  );
}
