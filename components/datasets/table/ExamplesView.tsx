"use client";

import type { ExamplesViewProps } from "../workspace/contracts";

// Placeholder with the agreed props, replaced by the panel's implementation in this same change.
export function ExamplesView(_props: ExamplesViewProps) {
  return <p className="muted">The curation table is being built.</p>;
}
