import type { Metadata } from "next";
import { connection } from "next/server";
import { WindDownBanner } from "@/components/overview/WindDownBanner";
import { ButtonLink } from "@/components/ui/Button";
import { DateTime } from "@/components/ui/DateTime";
import { EmptyState } from "@/components/ui/EmptyState";
import { PageHeader } from "@/components/ui/PageHeader";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { Table } from "@/components/ui/Table";
import { listRecentJobs } from "@/lib/overview/recent";

export const metadata: Metadata = { title: "Jobs" };

export default async function JobsPage() {
  await connection();
  const jobs = await listRecentJobs();
  return (
    <div className="stack">
      <PageHeader
        title="Fine-tuning jobs"
        description="Every training run, hosted on OpenAI or local on your GPU, with its status, dataset version and resulting model."
      />
      <WindDownBanner />
      {jobs.length === 0 ? (
        <EmptyState
          icon="▶"
          title="No fine-tuning jobs yet — start from a dataset version"
          actions={
            <>
              <ButtonLink href="/datasets" variant="primary">Choose a dataset</ButtonLink>
              <ButtonLink href="/settings">Add an OpenAI key</ButtonLink>
            </>
          }
        >
          <p>
            A job trains on a frozen version of a dataset, so the data behind a model never changes afterwards. Check
            the dataset and its cost first; OpenAI jobs need an API key in Settings, local jobs need a model folder on
            the Models page.
          </p>
        </EmptyState>
      ) : (
        <Table caption="Fine-tuning jobs">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Provider</th>
              <th scope="col">Base model</th>
              <th scope="col">Dataset</th>
              <th scope="col">Result</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <td><StatusBadge status={j.status} /></td>
                <td>{j.provider === "openai" ? "OpenAI" : "Local"}</td>
                <td className="mono">{j.baseModel}</td>
                <td>{j.datasetName ? `${j.datasetName} v${j.datasetVersion}` : <span className="muted">—</span>}</td>
                <td>
                  {j.fineTunedModel ? <span className="mono">{j.fineTunedModel}</span> : null}
                  {j.errorMessage ? <span className="status-item-bad">{j.errorMessage}</span> : null}
                  {!j.fineTunedModel && !j.errorMessage ? <span className="muted">—</span> : null}
                </td>
                <td><DateTime iso={j.createdAt} /></td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
