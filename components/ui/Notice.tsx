import type { ReactNode } from "react";

type NoticeTone = "info" | "ok" | "warn" | "danger";

const ICONS: Record<NoticeTone, string> = { info: "i", ok: "✓", warn: "!", danger: "✗" };

/**
 * An inline message. Errors use role="alert" so screen readers announce them when they appear;
 * everything else is a polite status.
 */
export function Notice({ tone = "info", title, children, live = true }: { tone?: NoticeTone; title?: ReactNode; children?: ReactNode; live?: boolean }) {
  const role = !live ? undefined : tone === "danger" ? "alert" : "status";
  return (
    <div className={`notice notice-${tone}`} role={role}>
      <span className="notice-icon" aria-hidden="true">
        {ICONS[tone]}
      </span>
      <div>
        {title ? <strong>{title}</strong> : null}
        {children ? <div>{children}</div> : null}
      </div>
    </div>
  );
}
