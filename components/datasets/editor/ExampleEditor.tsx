"use client";

import type { ExampleEditorProps } from "../workspace/contracts";

// Placeholder with the agreed props, replaced by the panel's implementation in this same change.
export function ExampleEditor(_props: ExampleEditorProps) {
  return <p className="muted">The message editor is being built.</p>;
}
