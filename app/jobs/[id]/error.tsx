"use client";

import { Button, ButtonLink } from "@/components/ui/Button";
import { Notice } from "@/components/ui/Notice";

export default function JobError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <div className="stack">
      <Notice tone="danger" title="This job could not be loaded">
        <p>{error.message || "The server could not read the job from the database."}</p>
      </Notice>
      <div className="row">
        <Button onClick={reset}>Try again</Button>
        <ButtonLink href="/jobs">All jobs</ButtonLink>
      </div>
    </div>
  );
}
