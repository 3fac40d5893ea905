"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { DeliveryResult } from "@/lib/notify/deliver";
import { EVAL_EVENTS, JOB_EVENTS, WEBHOOK_EVENTS, type WebhookEvent } from "@/lib/notify/events";
import type { WebhookView } from "@/lib/notify/webhooks";
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

// Settings → Notifications: URLs told when a job ends (a Slack or Discord incoming webhook shows the message as
// it comes; any other receiver gets the job as JSON and can check the signature). The URL is never shown again
// once saved, only a hint of it; the signing secret is shown once.

const KEY = ["settings", "webhooks"] as const;
const EVENT_LABELS: Record<WebhookEvent, string> = {
  "job.succeeded": "job succeeded",
  "job.failed": "job failed",
  "job.cancelled": "job cancelled",
  "eval.succeeded": "evaluation succeeded",
  "eval.failed": "evaluation failed",
  "eval.cancelled": "evaluation cancelled",
};

function NewSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <Notice tone="ok" title="Webhook added — copy its signing secret now, it will not be shown again.">
      <div className="secret-box" style={{ marginTop: "0.5rem" }}>
        <code id="new-webhook-secret" data-testid="new-webhook-secret">
          {secret}
        </code>
        <CopyButton text={secret} targetId="new-webhook-secret" />
        <Button size="sm" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      <p className="muted" style={{ fontSize: "0.85rem", marginTop: "0.5rem" }}>
        Each request carries <code>X-Tuneforge-Signature: sha256=…</code>, the HMAC-SHA256 of its body with this secret. Slack and Discord need none of it.
      </p>
    </Notice>
  );
}

export function WebhooksCard() {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEvent[]>([...WEBHOOK_EVENTS]);
  const [secret, setSecret] = useState<string | null>(null);
  const [removing, setRemoving] = useState<WebhookView | null>(null);
  const [tested, setTested] = useState<{ id: string; result: DeliveryResult } | null>(null);
  const { data, error, isPending } = useQuery({ queryKey: KEY, queryFn: ({ signal }) => apiFetch<{ webhooks: WebhookView[] }>("/api/settings/webhooks", { signal }) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });

  const add = useMutation({
    mutationFn: () => apiFetch<{ webhook: WebhookView; secret: string }>("/api/settings/webhooks", { method: "POST", body: { url: url.trim(), events } }),
    onSuccess: async (res) => {
      setSecret(res.secret);
      setUrl("");
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (w: WebhookView) => apiFetch<unknown>(`/api/settings/webhooks/${encodeURIComponent(w.id)}`, { method: "DELETE" }),
    onSuccess: async () => {
      setRemoving(null);
      await refresh();
    },
  });
  const test = useMutation({
    mutationFn: (w: WebhookView) => apiFetch<{ result: DeliveryResult }>(`/api/settings/webhooks/${encodeURIComponent(w.id)}/test`, { method: "POST", body: {} }).then((r) => ({ id: w.id, result: r.result })),
    onSuccess: async (r) => {
      setTested(r);
      await refresh();
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!url.trim() || events.length === 0) return;
    setSecret(null);
    add.mutate();
  }

  return (
    <Card id="notifications" title="Notifications" description="Webhooks told when a fine-tuning job or an evaluation ends: a Slack or Discord incoming webhook shows the message; any other receiver gets it as JSON.">
      <div className="stack">
        <form className="stack" onSubmit={onSubmit} aria-label="Add a webhook">
          <div className="row" style={{ alignItems: "flex-end" }}>
            <div style={{ flex: "1 1 24rem", maxWidth: "36rem" }}>
              <Field id="webhook-url" label="Webhook URL" hint="Kept encrypted; only its host and last characters are shown again.">
                {(p) => <Input {...p} type="url" placeholder="https://hooks.slack.com/services/…" value={url} onChange={(e) => setUrl(e.target.value)} autoComplete="off" spellCheck={false} />}
              </Field>
            </div>
            <Button type="submit" variant="primary" disabled={add.isPending || !url.trim() || events.length === 0}>
              {add.isPending ? "Adding…" : "Add webhook"}
            </Button>
          </div>
          {([["When a job", JOB_EVENTS], ["When an evaluation", EVAL_EVENTS]] as const).map(([legend, group]) => (
            <fieldset key={legend} className="row" style={{ border: "none", padding: 0, margin: 0 }}>
              <legend className="muted">{legend}</legend>
              {group.map((ev) => (
                <label key={ev}>
                  <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents((s) => (e.target.checked ? [...s, ev] : s.filter((x) => x !== ev)))} /> {EVENT_LABELS[ev].replace(/^(job|evaluation) /, "")}
                </label>
              ))}
            </fieldset>
          ))}
        </form>
        {add.error ? <Notice tone="danger">{messageOf(add.error)}</Notice> : null}
        {secret ? <NewSecret secret={secret} onDone={() => setSecret(null)} /> : null}
        {tested ? (
          <Notice tone={tested.result.ok ? "ok" : "danger"} title={tested.result.ok ? "The test message was delivered" : "The test message was not delivered"}>
            {tested.result.message}
          </Notice>
        ) : null}
        {test.error ? <Notice tone="danger">{messageOf(test.error)}</Notice> : null}

        {isPending ? <p className="muted" aria-busy="true">Loading webhooks…</p> : null}
        {error ? <Notice tone="danger" title="Could not load webhooks">{messageOf(error)}</Notice> : null}
        {data && data.webhooks.length === 0 ? <p className="muted">No webhooks yet.</p> : null}
        {data && data.webhooks.length > 0 ? (
          <Table caption="Webhooks">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">When</th>
                <th scope="col">Last delivery</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {data.webhooks.map((w) => (
                <tr key={w.id} data-webhook-id={w.id}>
                  <td className="mono">{w.urlHint}</td>
                  <td>{w.events.map((e) => EVENT_LABELS[e]).join(", ")}</td>
                  <td data-testid="webhook-last-delivery">
                    {w.lastDelivery ? (
                      <>
                        <span className={w.lastDelivery.ok ? undefined : "field-error"}>{w.lastDelivery.ok ? "✓" : "✗"} {w.lastDelivery.message}</span>
                        <br />
                        <span className="muted">
                          <DateTime iso={w.lastDelivery.at} />
                        </span>
                      </>
                    ) : (
                      <span className="muted">None yet</span>
                    )}
                  </td>
                  <td className="actions">
                    <Button size="sm" variant="secondary" onClick={() => test.mutate(w)} disabled={test.isPending}>
                      Send a test
                    </Button>{" "}
                    <Button size="sm" variant="danger-ghost" aria-label={`Delete webhook ${w.urlHint}`} onClick={() => { remove.reset(); setRemoving(w); }}>
                      Delete
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : null}
      </div>
      <ConfirmDialog
        open={removing !== null}
        title={`Delete the webhook ${removing?.urlHint ?? ""}?`}
        confirmLabel="Delete webhook"
        busyLabel="Deleting…"
        busy={remove.isPending}
        error={remove.error ? messageOf(remove.error) : null}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate(removing)}
      >
        <p>It is told of no more job endings, including ones already waiting to be sent.</p>
      </ConfirmDialog>
    </Card>
  );
}
