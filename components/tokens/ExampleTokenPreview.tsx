"use client";

import { useState } from "react";
import { Button } from "../ui/Button";
import { TokenPreviewPanel } from "./TokenPreviewPanel";

/**
 * The dataset editor's "Token preview" action: the example as edited (unsaved changes included) rendered with
 * a local model's chat template. A preference pair is previewed as its prompt plus the preferred output.
 */
export function ExampleTokenPreview({ messages, tools, sectionClassName }: { messages: unknown[]; tools: unknown[] | null; sectionClassName?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <section className={sectionClassName} aria-labelledby="editor-token-preview">
      <div style={{ display: "flex", alignItems: "center", justifyContent: "space-between", gap: "0.5rem" }}>
        <h3 id="editor-token-preview" style={{ margin: 0 }}>
          Tokens
        </h3>
        <Button size="sm" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {open ? "Hide token preview" : "Token preview"}
        </Button>
      </div>
      {open ? <TokenPreviewPanel source={{ messages, tools }} idPrefix="editor-preview" /> : null}
    </section>
  );
}
