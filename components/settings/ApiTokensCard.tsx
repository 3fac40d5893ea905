"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { apiFetch, messageOf } from "../api-client";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { DateTime } from "../ui/DateTime";
import { Field } from "../ui/Field";
import { Input } from "../ui/Input";
import { Notice } from "../ui/Notice";
import { Table } from "../ui/Table";
import { CopyButton } from "./CopyButton";
import { TOKENS_KEY, type ApiTokenSummary, type CreatedToken, type TokensResponse } from "./types";

/** The new token, shown once: only its hash is stored, so it cannot be displayed again. */
function NewToken({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  return (
    <Notice tone="ok" title={`Token “${created.name}” created — copy it now, it will not be shown again.`}>
      <div className="secret-box" style={{ marginTop: "0.5rem" }}>
        <code id="new-api-token" data-testid="new-api-token">
          {created.token}
        </code>
        <CopyButton text={created.token} targetId="new-api-token" />
        <Button size="sm" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      <p className="muted" style={{ fontSize: "0.85rem", marginTop: "0.5rem" }}>
        Send it as <code>Authorization: Bearer &lt;token&gt;</code>, or set <code>TUNEFORGE_API_TOKEN</code> for the
        tuneforge CLI.
      </p>
    </Notice>
  );
}

export function ApiTokensCard() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenSummary | null>(null);

  const { data, error, isPending } = useQuery({
    queryKey: TOKENS_KEY,
    queryFn: ({ signal }) => apiFetch<TokensResponse>("/api/settings/tokens", { signal }),
  });

  const create = useMutation({
    mutationFn: (tokenName: string) => apiFetch<CreatedToken>("/api/settings/tokens", { method: "POST", body: { name: tokenName } }),
    onSuccess: async (res) => {
      setCreated(res);
      setName("");
      await queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });

  const revoke = useMutation({
    mutationFn: (t: ApiTokenSummary) => apiFetch<unknown>(`/api/settings/tokens/${encodeURIComponent(t.id)}`, { method: "DELETE" }),
    onSuccess: async () => {
      setRevoking(null);
      await queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return;
    setCreated(null);
    create.mutate(name.trim());
  }

  return (
    <Card
      id="api-tokens"
      title="API tokens"
      description="For the tuneforge CLI and scripts calling the REST API. Needed only when tuneforge listens beyond this machine."
    >
      <div className="stack">
        <form className="row" style={{ alignItems: "flex-end" }} onSubmit={onSubmit} aria-label="Create an API token">
          <div style={{ flex: "1 1 18rem", maxWidth: "24rem" }}>
            <Field id="token-name" label="Token name">
              {(p) => <Input {...p} name="name" maxLength={100} required placeholder="What will use it, e.g. laptop CLI" value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
          </div>
          <Button type="submit" variant="primary" disabled={create.isPending || !name.trim()}>
            {create.isPending ? "Creating…" : "Create token"}
          </Button>
        </form>
        {create.error ? <Notice tone="danger">{messageOf(create.error)}</Notice> : null}
        {created ? <NewToken created={created} onDone={() => setCreated(null)} /> : null}

        {isPending ? <p className="muted" aria-busy="true">Loading tokens…</p> : null}
        {error ? <Notice tone="danger" title="Could not load tokens">{messageOf(error)}</Notice> : null}
        {data && data.tokens.length === 0 ? <p className="muted">No API tokens yet.</p> : null}
        {data && data.tokens.length > 0 ? (
          <Table caption="API tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {data.tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td className="mono">{t.prefix}…</td>
                  <td><DateTime iso={t.createdAt} /></td>
                  <td>{t.lastUsedAt ? <DateTime iso={t.lastUsedAt} /> : <span className="muted">Never</span>}</td>
                  <td className="actions">
                    <Button size="sm" variant="danger-ghost" aria-label={`Revoke ${t.name}`} onClick={() => { revoke.reset(); setRevoking(t); }}>
                      Revoke
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : null}
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke token"
        busyLabel="Revoking…"
        busy={revoke.isPending}
        error={revoke.error ? messageOf(revoke.error) : null}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking)}
      >
        <p>Anything using this token stops working immediately. This cannot be undone.</p>
      </ConfirmDialog>
    </Card>
  );
}
