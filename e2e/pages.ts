// Every page in the main navigation, with the link text and the page's <h1>.
export const PAGES = [
  { path: "/", link: "Overview", heading: "Overview", slug: "overview" },
  { path: "/datasets", link: "Datasets", heading: "Datasets", slug: "datasets" },
  { path: "/jobs", link: "Jobs", heading: "Fine-tuning jobs", slug: "jobs" },
  { path: "/playground", link: "Playground", heading: "Playground", slug: "playground" },
  { path: "/evaluations", link: "Evaluations", heading: "Evaluations", slug: "evaluations" },
  { path: "/models", link: "Models", heading: "Models", slug: "models" },
  { path: "/costs", link: "Costs", heading: "Costs", slug: "costs" },
  { path: "/settings", link: "Settings", heading: "Settings", slug: "settings" },
] as const;

export const SAMPLE_DATASET_NAME = "Sample — TechCorp support";
