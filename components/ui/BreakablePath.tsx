import { Fragment } from "react";
import { pathParts } from "./id-parts";

/**
 * A file path that wraps after its slashes (id-parts.ts). A folder name longer than the line (a job id, say) still
 * wraps inside itself rather than overflow: the caller's overflow-wrap: anywhere applies only where no slash is left.
 */
export function BreakablePath({ path }: { path: string }) {
  return (
    <>
      {pathParts(path).map((part, i) => (
        <Fragment key={i}>
          {i > 0 ? <wbr /> : null}
          {part}
        </Fragment>
      ))}
    </>
  );
}
