import type { ReactNode } from "react";

/** A data table in a scrolling frame; the caption names it for screen readers. */
export function Table({ caption, captionHidden = true, children }: { caption: string; captionHidden?: boolean; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className={captionHidden ? "visually-hidden" : undefined}>{caption}</caption>
        {children}
      </table>
    </div>
  );
}
