import type { ReactNode } from "react";
import { cx } from "../ui/cx";

/** One of the Overview's numbered next steps. `done` marks it with a check and says so in words. */
export function Step({ n, title, done, stat, children, actions }: { n: number; title: string; done: boolean; stat: ReactNode; children: ReactNode; actions: ReactNode }) {
  return (
    <li className={cx("card step", done && "step-done")}>
      <div className="step-head">
        <span className="step-number" aria-hidden="true">
          {done ? "✓" : n}
        </span>
        <h2>
          <span className="visually-hidden">Step {n}{done ? " (done)" : ""}: </span>
          {title}
        </h2>
      </div>
      <div className="step-stat">{stat}</div>
      <p>{children}</p>
      <div className="row">{actions}</div>
    </li>
  );
}
