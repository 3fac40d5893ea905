"use client";

import type { PanelProps } from "../workspace/contracts";

// Placeholder with the agreed props, replaced by the panel's implementation in this same change.
export function StatsPanel(_props: PanelProps) {
  return <p className="muted">Statistics is being built.</p>;
}
