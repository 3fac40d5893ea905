"use client";

import { useState } from "react";
import { messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { useCancelEval } from "../api";

export function CancelEvalButton({ id }: { id: string }) {
  const [open, setOpen] = useState(false);
  const cancel = useCancelEval(id);
  return (
    <>
      <Button variant="danger-ghost" onClick={() => setOpen(true)}>
        Cancel evaluation
      </Button>
      <ConfirmDialog
        open={open}
        title="Cancel this evaluation?"
        confirmLabel="Cancel evaluation"
        busyLabel="Cancelling…"
        busy={cancel.isPending}
        error={cancel.error ? messageOf(cancel.error) : null}
        onConfirm={() => cancel.mutate(undefined, { onSuccess: () => setOpen(false) })}
        onCancel={() => setOpen(false)}
      >
        <p>Generation stops; the rows already generated and judged are kept and summarized.</p>
      </ConfirmDialog>
    </>
  );
}
