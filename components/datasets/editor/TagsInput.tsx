"use client";

import { useState } from "react";
import styles from "./editor.module.css";

// Tags as chips: Enter (or comma) adds the typed tag, Backspace in the empty box removes the last one.
export function TagsInput({ id, tags, onChange }: { id: string; tags: string[]; onChange: (tags: string[]) => void }) {
  const [text, setText] = useState("");
  const add = () => {
    const tag = text.trim();
    if (tag && !tags.includes(tag)) onChange([...tags, tag]);
    setText("");
  };
  return (
    <div className={styles.tags}>
      {tags.map((tag) => (
        <span key={tag} className={styles.chip}>
          {tag}
          <button type="button" aria-label={`Remove tag ${tag}`} onClick={() => onChange(tags.filter((t) => t !== tag))}>
            ×
          </button>
        </span>
      ))}
      <input
        id={id}
        className={styles.tagInput}
        value={text}
        placeholder={tags.length ? "Add tag…" : "Type a tag, press Enter"}
        onChange={(e) => setText(e.target.value)}
        onBlur={add}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === ",") {
            e.preventDefault();
            add();
          } else if (e.key === "Backspace" && text === "" && tags.length > 0) {
            onChange(tags.slice(0, -1));
          }
        }}
      />
    </div>
  );
}
