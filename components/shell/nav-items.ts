export type NavItem = { href: string; label: string; icon: string };

export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Overview", icon: "⌂" },
  { href: "/datasets", label: "Datasets", icon: "▤" },
  { href: "/jobs", label: "Jobs", icon: "▶" },
  { href: "/playground", label: "Playground", icon: "❝" },
  { href: "/evaluations", label: "Evaluations", icon: "⚖" },
  { href: "/models", label: "Models", icon: "◆" },
  { href: "/costs", label: "Costs", icon: "$" },
  { href: "/settings", label: "Settings", icon: "⚙" },
];

export function isActive(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}
