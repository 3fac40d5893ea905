import { Fragment } from "react";
import { idParts } from "./id-parts";

/** An ft: model name (up to about 60 characters) or a model spec that wraps only between its parts (id-parts.ts). */
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
