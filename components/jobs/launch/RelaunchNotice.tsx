import Link from "next/link";
import type { RelaunchSource } from "@/lib/jobs/launch/relaunch";
import { jobDisplayName } from "@/lib/jobs/types";
import { DateTime } from "../../ui/DateTime";
import { Notice } from "../../ui/Notice";

// Above the launch form opened by "Launch again": which job the settings come from, and anything the copy could
// not carry over. A server component: the form below is the client part.

export function RelaunchNotice({ from, notes }: { from: RelaunchSource; notes: readonly string[] }) {
  const name = jobDisplayName(from);
  return (
    <div data-testid="relaunch-notice">
      <Notice tone={notes.length ? "warn" : "info"} title="Settings copied from a job" live={false}>
        <p>
          <Link href={`/jobs/${from.id}`} className="mono">
            {name}
          </Link>{" "}
          ({from.provider === "openai" ? "OpenAI" : "local"}, {from.status}
          {from.datasetLabel ? `, on ${from.datasetLabel}` : ""}, created <DateTime iso={from.createdAt} />). Change what you want to try next and
          launch: a new job is created, and that one is left as it is.
        </p>
        {notes.length ? (
          <ul>
            {notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        ) : null}
      </Notice>
    </div>
  );
}
