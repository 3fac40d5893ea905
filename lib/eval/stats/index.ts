// The statistics of an eval summary: Wilson for the win rate, paired bootstrap for metric deltas, percentiles for
// latency. The seeded PRNG is the project's own (lib/random/mulberry32), re-exported for callers of the bootstrap.
export { wilson, Z_95 } from "./wilson";
export { pairedBootstrap, pairedBootstrapMany, type BootstrapOptions } from "./bootstrap";
export { percentile, percentileOfSorted } from "./percentile";
export { mulberry32 as createSeededRng } from "@/lib/random/mulberry32";
