"use client";

import { useState } from "react";
import { apiFetch, messageOf } from "../api-client";
import { Button } from "../ui/Button";

/** Shown only when a password session is in use (tuneforge listening beyond loopback). */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function signOut() {
    setBusy(true);
    setError(null);
    try {
      await apiFetch("/api/auth/logout", { method: "POST", body: {} });
      // A full navigation drops every cached query along with the session.
      window.location.assign("/login");
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => void signOut()} disabled={busy}>
        {busy ? "Signing out…" : "Sign out"}
      </Button>
      {error ? <span role="alert" className="field-error">{error}</span> : null}
    </>
  );
}
