"use client";

import type { BulkActionsBarProps } from "../workspace/contracts";

// Placeholder with the agreed props, replaced by the panel's implementation in this same change.
export function BulkActionsBar(_props: BulkActionsBarProps) {
  return <p className="muted">Bulk actions is being built.</p>;
}
