"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

// The compare page is rendered on the server from Postgres; while one of its jobs is still queued or training (a
// sweep just launched), it is re-rendered every few seconds so the curves and results keep up. Client state (chart
// smoothing, the "only differing" box) survives a refresh.

export function RefreshWhileRunning({ active, everyMs = 3000 }: { active: boolean; everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs, router]);
  return active ? (
    <p className="muted" data-testid="compare-refreshing">
      Some of these jobs (or their evaluations) are still running: this page updates every {Math.round(everyMs / 1000)} s until they end.
    </p>
  ) : null;
}
