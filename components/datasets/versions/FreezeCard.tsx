"use client";

import { useId, useState } from "react";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { Input } from "../../ui/Input";
import { Notice } from "../../ui/Notice";
import { formatInt } from "../../ui/format";
import { messageOf } from "../../api-client";
import { useFreeze, useSplitSummary } from "./api";

/** Freezes train + validation into the next immutable version; a refusal (errors, empty) says what to do. */
export function FreezeCard({ datasetId }: { datasetId: string }) {
  const [note, setNote] = useState("");
  const freeze = useFreeze(datasetId);
  const summary = useSplitSummary(datasetId);
  const id = useId();
  const frozenCount = summary.data ? summary.data.train + summary.data.validation : null;
  return (
    <Card title="Freeze a version" description="Snapshots train and validation into files that never change. Jobs and evaluations pin a version." level={3}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          freeze.mutate(note, { onSuccess: () => setNote("") });
        }}
      >
        <Field id={`${id}-note`} label="Note" optional hint="What changed since the last version, e.g. “fixed refund answers”.">
          {(control) => <Input {...control} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        {freeze.error ? (
          <Notice tone="danger" title="Not frozen">
            {messageOf(freeze.error)}
          </Notice>
        ) : null}
        {freeze.data && !freeze.isPending ? (
          <Notice tone="ok">
            Froze v{freeze.data.number}: {formatInt(freeze.data.trainCount)} train, {formatInt(freeze.data.validationCount)} validation.
          </Notice>
        ) : null}
        <div className="row">
          <Button type="submit" variant="primary" disabled={freeze.isPending} aria-busy={freeze.isPending || undefined}>
            {freeze.isPending ? "Freezing…" : "Freeze version"}
          </Button>
          {frozenCount !== null ? <span className="muted">{formatInt(frozenCount)} examples; test rows stay out. Rows with errors block freezing.</span> : null}
        </div>
      </form>
    </Card>
  );
}
