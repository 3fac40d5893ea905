import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { safeNextPath } from "@/lib/auth/paths";
import { pageAuthState } from "@/lib/auth/session";
import { LoginForm } from "./LoginForm";

export const metadata: Metadata = { title: "Sign in" };

// Sign-in with the TUNEFORGE_PASSWORD (only asked when tuneforge listens beyond loopback).
export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next: rawNext } = await searchParams;
  const next = safeNextPath(typeof rawNext === "string" ? rawNext : null);
  const state = await pageAuthState();
  if (state.authRequired && state.signedIn) redirect(next);

  return (
    <div className="card" style={{ maxWidth: 420, margin: "3rem auto" }}>
      <div className="card-head">
        <div>
          <h1 style={{ margin: 0, fontSize: "1.25rem" }}>Sign in to tuneforge</h1>
          <p>
            {state.authRequired
              ? "This server is reachable from the network, so it asks for the password set in TUNEFORGE_PASSWORD."
              : "Sign-in is not needed: this server only listens on this machine."}
          </p>
        </div>
      </div>
      <div className="card-body">
        {state.authRequired ? (
          <LoginForm next={next} />
        ) : (
          <Link className="btn btn-primary" href={next}>
            Continue to the dashboard
          </Link>
        )}
      </div>
    </div>
  );
}
