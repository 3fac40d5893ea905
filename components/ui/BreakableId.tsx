import { Fragment } from "react";
import { idParts } from "./id-parts";

/** A long identifier (an ft: model name, a path) that wraps only after its colons and slashes (id-parts.ts). */
export function BreakableId({ id, className, title }: { id: string; className?: string; title?: string }) {
  return (
    <span className={className} title={title}>
      {idParts(id).map((part, i) => (
        <Fragment key={i}>
          {i > 0 ? <wbr /> : null}
          <span style={{ whiteSpace: "nowrap" }}>{part}</span>
        </Fragment>
      ))}
    </span>
  );
}
