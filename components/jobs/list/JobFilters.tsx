import { Button, ButtonLink } from "@/components/ui/Button";
import { JOB_STATUSES } from "@/lib/jobs/types";
import type { JobListFilters } from "@/lib/jobs/list";
import styles from "./list.module.css";

// A plain GET form: submitting puts the filters in the URL and the server page lists with them, so the
// filters work before JavaScript loads and every filtered view is a link.

export function JobFilters({ filters, datasets }: { filters: JobListFilters; datasets: { id: string; name: string }[] }) {
  return (
    <form method="get" action="/jobs" className={styles.filters} aria-label="Filter jobs">
      <fieldset className={styles.statusBoxes}>
        <legend>Status</legend>
        {JOB_STATUSES.map((s) => (
          <label key={s}>
            <input type="checkbox" name="status" value={s} defaultChecked={filters.status?.includes(s)} />
            {s.replace(/_/g, " ")}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="filter-provider">Provider</label>
        <select id="filter-provider" name="provider" className="input" defaultValue={filters.provider ?? ""}>
          <option value="">any</option>
          <option value="openai">OpenAI</option>
          <option value="local">Local</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-model">Model</label>
        <input id="filter-model" name="model" className="input" placeholder="e.g. gpt-4o-mini" defaultValue={filters.model ?? ""} />
      </div>
      <div className="field">
        <label htmlFor="filter-dataset">Dataset</label>
        <select id="filter-dataset" name="dataset" className="input" defaultValue={filters.datasetId ?? ""}>
          <option value="">any</option>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        <ButtonLink href="/jobs" variant="ghost">
          Clear
        </ButtonLink>
      </div>
    </form>
  );
}
