import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";
import { cx } from "./cx";

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost" | "danger-ghost";

type Common = { variant?: ButtonVariant; size?: "md" | "sm" };

function classes(variant: ButtonVariant, size: "md" | "sm", extra?: string): string {
  return cx("btn", `btn-${variant}`, size === "sm" && "btn-sm", extra);
}

/** A real <button>; type defaults to "button" so it never submits a form by accident. */
export function Button({ variant = "secondary", size = "md", className, type = "button", ...rest }: Common & ComponentProps<"button">) {
  return <button type={type} className={classes(variant, size, className)} {...rest} />;
}

/** Navigation that looks like a button (it is still a link: it goes somewhere). */
export function ButtonLink({
  variant = "secondary",
  size = "md",
  className,
  href,
  title,
  children,
}: Common & { href: string; className?: string; title?: string; children: ReactNode }) {
  return (
    <Link href={href} className={classes(variant, size, className)} title={title}>
      {children}
    </Link>
  );
}
