"use client";

import { useState } from "react";
import { Button } from "../ui/Button";

/**
 * Copies text to the clipboard. The Clipboard API exists only in secure contexts (https or loopback),
 * so on plain http elsewhere it selects the text and asks the user to copy it.
 */
export function CopyButton({ text, targetId, label = "Copy" }: { text: string; targetId: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "manual">("idle");

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const el = document.getElementById(targetId);
      if (el) {
        const range = document.createRange();
        range.selectNodeContents(el);
        const selection = window.getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
      }
      setState("manual");
    }
  }

  return (
    <>
      <Button size="sm" onClick={() => void copy()}>
        {state === "copied" ? "Copied ✓" : label}
      </Button>
      <span role="status" className={state === "manual" ? "field-hint" : "visually-hidden"}>
        {state === "copied" ? "Copied to the clipboard." : state === "manual" ? "Selected — press Ctrl+C (⌘C) to copy." : ""}
      </span>
    </>
  );
}
