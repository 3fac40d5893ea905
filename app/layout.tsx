import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/AppShell";
import { requireSession } from "@/lib/auth/session";
import "./globals.css";
import { Providers } from "./providers";

export const metadata: Metadata = {
  title: { default: "tuneforge", template: "%s · tuneforge" },
  description: "Self-hosted dashboard for fine-tuning language models.",
  icons: { icon: "/icon.svg" },
};

export const viewport: Viewport = {
  colorScheme: "light dark",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Redirects to /login when sign-in is required and missing; null on public pages (the sign-in page),
  // which render without the dashboard shell.
  const auth = await requireSession();
  return (
    <html lang="en">
      <body>
        <Providers>
          {auth ? <AppShell signedIn={auth.kind === "session"}>{children}</AppShell> : children}
        </Providers>
      </body>
    </html>
  );
}
