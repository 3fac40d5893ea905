import type { ReactNode } from "react";

type Props = { caption: string; captionHidden?: boolean; className?: string; children: ReactNode };

/** A data table in a scrolling frame; the caption names it for screen readers. `className` adds to the table's. */
export function Table({ caption, captionHidden = true, className, children }: Props) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : "table"}>
        <caption className={captionHidden ? "visually-hidden" : undefined}>{caption}</caption>
        {children}
      </table>
    </div>
  );
}
