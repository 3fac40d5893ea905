import type { ReactNode } from "react";
import { cx } from "./cx";

type CardProps = {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  /** Heading level of the title, to keep the outline right where cards nest under an h2. */
  level?: 2 | 3;
  className?: string;
  bodyClassName?: string;
  children?: ReactNode;
  id?: string;
};

export function Card({ title, description, actions, level = 2, className, bodyClassName, children, id }: CardProps) {
  const Heading = level === 2 ? "h2" : "h3";
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={cx("card", className)} aria-labelledby={title ? headingId : undefined} id={id}>
      {title || actions ? (
        <header className="card-head">
          <div>
            {title ? <Heading id={headingId}>{title}</Heading> : null}
            {description ? <p>{description}</p> : null}
          </div>
          {actions ? <div className="row">{actions}</div> : null}
        </header>
      ) : null}
      {children !== undefined ? <div className={cx("card-body", bodyClassName)}>{children}</div> : null}
    </section>
  );
}
