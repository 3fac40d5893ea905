import type { Metadata } from "next";
import { connection } from "next/server";
import { JobFilters } from "@/components/jobs/list/JobFilters";
import { JobsTable } from "@/components/jobs/list/JobsTable";
import { WindDownBanner } from "@/components/overview/WindDownBanner";
import { ButtonLink } from "@/components/ui/Button";
import { ListPager } from "@/components/ui/ListPager";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/EmptyState";
import { PageHeader } from "@/components/ui/PageHeader";
import { listJobDatasets, listJobsPage } from "@/lib/jobs/list";
import { jobListQuery, parseJobListFilters } from "@/lib/jobs/monitor/list-filters";

export const metadata: Metadata = { title: "Jobs" };

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const filters = parseJobListFilters(await searchParams);
  const filtered = Object.keys(filters).length > 0;
  const [page, datasets] = await Promise.all([listJobsPage(filters), listJobDatasets()]);
  const { jobs } = page;
  return (
    <div className="stack">
      <PageHeader
        title="Fine-tuning jobs"
        description="Every training run, hosted on OpenAI or local on your GPU, with its status, dataset version, cost and progress."
        actions={
          <ButtonLink href="/jobs/new" variant="primary">
            New job
          </ButtonLink>
        }
      />
      <WindDownBanner />
      {jobs.length === 0 && !filtered ? (
        <EmptyState
          icon="▶"
          title="No fine-tuning jobs yet — start from a dataset version"
          actions={
            <>
              <ButtonLink href="/jobs/new" variant="primary">New job</ButtonLink>
              <ButtonLink href="/datasets">Choose a dataset</ButtonLink>
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
        <>
          <Card>
            <JobFilters filters={filters} datasets={datasets} />
          </Card>
          {jobs.length === 0 ? (
            <p className="muted" role="status">
              No job matches these filters.
            </p>
          ) : (
            <>
              <JobsTable jobs={jobs} renderedAt={Date.now()} range={{ first: page.newer + 1, total: page.total }} />
              <ListPager
                label="Job list pages"
                noun="jobs"
                newestHref={page.newer > 0 ? `/jobs${jobListQuery({ ...filters, before: undefined })}` : null}
                olderHref={page.older ? `/jobs${jobListQuery({ ...filters, before: page.older })}` : null}
              />
            </>
          )}
        </>
      )}
    </div>
  );
}
