import Link from "next/link";
import type { ReactNode } from "react";
import { SidebarNav } from "./SidebarNav";
import { SignOutButton } from "./SignOutButton";
import { StatusIndicator } from "./StatusIndicator";

/** Sidebar navigation, a top bar with the system status, and the page in <main>. */
export function AppShell({ children, signedIn = false }: { children: ReactNode; signedIn?: boolean }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <div className="sidebar-inner">
            <Link href="/" className="brand">
              <span className="brand-mark" aria-hidden="true">
                tf
              </span>
              tuneforge
            </Link>
            <SidebarNav />
            <p className="sidebar-foot">Self-hosted fine-tuning. Your data stays in your database.</p>
          </div>
        </aside>
        <div className="main-col">
          <header className="topbar">
            <StatusIndicator />
            {signedIn ? <SignOutButton /> : null}
          </header>
          <main id="main" className="content" tabIndex={-1}>
            {children}
          </main>
        </div>
      </div>
    </>
  );
}
