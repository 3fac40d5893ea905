import type { ReactNode } from "react";

/** What a page shows before there is anything in it: what this is, and the next thing to do. */
export function EmptyState({ icon = "○", title, children, actions }: { icon?: ReactNode; title: ReactNode; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-icon" aria-hidden="true">
        {icon}
      </div>
      <h2>{title}</h2>
      {children}
      {actions ? <div className="row">{actions}</div> : null}
    </div>
  );
}
