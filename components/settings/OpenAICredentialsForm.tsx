"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { apiFetch, messageOf } from "../api-client";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { DateTime } from "../ui/DateTime";
import { Field } from "../ui/Field";
import { Input } from "../ui/Input";
import { Notice } from "../ui/Notice";
import {
  CREDENTIALS_KEY,
  type ConnectionTestResult,
  type CredentialsResponse,
  type OpenAICredentialUpdate,
  type OpenAICredentialView,
} from "./types";

function SourceLine({ view }: { view: OpenAICredentialView }) {
  if (!view.configured) {
    return (
      <p className="row" data-testid="openai-key-status">
        <Badge tone="warn">Not configured</Badge>
        <span className="muted">Add an API key to launch OpenAI jobs and evaluations.</span>
      </p>
    );
  }
  return (
    <p className="row" data-testid="openai-key-status">
      <Badge tone="ok">✓ Configured</Badge>
      <span>
        Key <code data-testid="openai-key-masked">{view.apiKeyMasked}</code>{" "}
        <span className="muted">
          {view.source === "env" ? "from the OPENAI_API_KEY environment variable — saving here overrides it" : "stored encrypted in the database"}
        </span>
      </span>
    </p>
  );
}

function LastTest({ view }: { view: OpenAICredentialView }) {
  if (!view.lastTestedAt) return null;
  return (
    <p className="muted" style={{ fontSize: "0.88rem", margin: 0 }}>
      Last test <DateTime iso={view.lastTestedAt} />: {view.lastTestOk ? "succeeded" : "failed"}
      {view.lastTestMessage ? ` — ${view.lastTestMessage}` : ""}
    </p>
  );
}

/** Optional text fields: an empty box clears the stored value (the environment default applies again). */
function orNull(value: string): string | null {
  const v = value.trim();
  return v === "" ? null : v;
}

function CredentialsForm({ view }: { view: OpenAICredentialView }) {
  const queryClient = useQueryClient();
  const [apiKey, setApiKey] = useState("");
  const [baseUrl, setBaseUrl] = useState(view.source === "database" ? (view.baseUrl ?? "") : "");
  const [organization, setOrganization] = useState(view.source === "database" ? (view.organization ?? "") : "");
  const [project, setProject] = useState(view.source === "database" ? (view.project ?? "") : "");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [notice, setNotice] = useState<{ tone: "ok" | "danger"; text: string } | null>(null);

  const save = useMutation({
    mutationFn: (body: OpenAICredentialUpdate) => apiFetch<CredentialsResponse>("/api/settings/credentials/openai", { method: "PUT", body }),
    onSuccess: (res) => {
      // The key leaves the page as soon as it is stored; only the masked form comes back.
      setApiKey("");
      queryClient.setQueryData(CREDENTIALS_KEY, res);
      setNotice({ tone: "ok", text: "Saved. The key is stored encrypted; only its last four characters are shown." });
    },
    onError: (err) => setNotice({ tone: "danger", text: messageOf(err) }),
  });

  const test = useMutation({
    mutationFn: () => apiFetch<ConnectionTestResult>("/api/settings/credentials/openai/test", { method: "POST", body: {} }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY }),
  });

  const remove = useMutation({
    mutationFn: () => apiFetch<unknown>("/api/settings/credentials/openai", { method: "DELETE" }),
    onSuccess: async () => {
      setConfirmDelete(false);
      setApiKey("");
      setBaseUrl("");
      setOrganization("");
      setProject("");
      test.reset();
      setNotice({ tone: "ok", text: "Deleted the stored OpenAI credentials." });
      await queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY });
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    test.reset();
    const body: OpenAICredentialUpdate = { baseUrl: orNull(baseUrl), organization: orNull(organization), project: orNull(project) };
    if (apiKey.trim()) body.apiKey = apiKey.trim();
    save.mutate(body);
  }

  const stored = view.source === "database";
  return (
    <>
      <SourceLine view={view} />
      <form className="form" onSubmit={onSubmit} aria-label="OpenAI credentials">
        <Field
          id="openai-api-key"
          label="API key"
          hint={stored ? "Leave empty to keep the stored key." : "Starts with sk-. Create one at platform.openai.com → API keys."}
        >
          {(p) => (
            <Input
              {...p}
              name="apiKey"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder={stored ? "•••••••• (unchanged)" : "sk-…"}
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
            />
          )}
        </Field>
        <Field id="openai-base-url" label="Base URL" optional hint="For a proxy or a compatible server. Empty uses OPENAI_BASE_URL from the environment if set, otherwise https://api.openai.com/v1.">
          {(p) => <Input {...p} name="baseUrl" type="url" inputMode="url" placeholder="https://api.openai.com/v1" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />}
        </Field>
        <div className="row" style={{ alignItems: "flex-start", gap: "1rem" }}>
          <div style={{ flex: 1, minWidth: "14rem" }}>
            <Field id="openai-organization" label="Organization ID" optional>
              {(p) => <Input {...p} name="organization" placeholder="org-…" value={organization} onChange={(e) => setOrganization(e.target.value)} />}
            </Field>
          </div>
          <div style={{ flex: 1, minWidth: "14rem" }}>
            <Field id="openai-project" label="Project ID" optional>
              {(p) => <Input {...p} name="project" placeholder="proj_…" value={project} onChange={(e) => setProject(e.target.value)} />}
            </Field>
          </div>
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </Button>
          <Button onClick={() => { setNotice(null); test.mutate(); }} disabled={!view.configured || test.isPending}>
            {test.isPending ? "Testing…" : "Test connection"}
          </Button>
          {stored ? (
            <Button variant="danger-ghost" onClick={() => { remove.reset(); setConfirmDelete(true); }}>
              Delete
            </Button>
          ) : null}
        </div>
        {notice ? <Notice tone={notice.tone}>{notice.text}</Notice> : null}
        {test.data ? (
          <div data-testid="connection-test-result">
            <Notice tone={test.data.ok ? "ok" : "danger"} title={test.data.ok ? "Connection works" : "Connection failed"}>
              {/* The message already names the endpoint, the round trip and the model count. */}
              {test.data.message}
            </Notice>
          </div>
        ) : null}
        {test.error ? <Notice tone="danger" title="Could not run the test">{messageOf(test.error)}</Notice> : null}
        {!test.data && !test.error ? <LastTest view={view} /> : null}
        <p className="muted" style={{ fontSize: "0.85rem", margin: 0 }}>Test connection uses the saved settings — save first.</p>
      </form>
      <ConfirmDialog
        open={confirmDelete}
        title="Delete the stored OpenAI credentials?"
        confirmLabel="Delete credentials"
        busyLabel="Deleting…"
        busy={remove.isPending}
        error={remove.error ? messageOf(remove.error) : null}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate()}
      >
        <p>
          The encrypted key is removed from the database. OpenAI jobs will use <code>OPENAI_API_KEY</code> from the
          environment if it is set, and cannot start otherwise.
        </p>
      </ConfirmDialog>
    </>
  );
}

export function OpenAICredentialsCard() {
  const { data, error, isPending } = useQuery({
    queryKey: CREDENTIALS_KEY,
    queryFn: ({ signal }) => apiFetch<CredentialsResponse>("/api/settings/credentials", { signal }),
  });
  return (
    <Card id="openai" title="OpenAI" description="Used for hosted fine-tuning jobs and for evaluations that call OpenAI models.">
      {isPending ? <p className="muted" aria-busy="true">Loading…</p> : null}
      {error ? <Notice tone="danger" title="Could not load credentials">{messageOf(error)}</Notice> : null}
      {data ? <CredentialsForm view={data.openai} /> : null}
    </Card>
  );
}
