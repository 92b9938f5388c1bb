/**
 * The bench's account of what production's telemetry costs the optimizer: the same policy and
 * traffic under each view of the telemetry ladder, from the simulator's exact figures to the
 * default (Istio's buckets, scraped and windowed, and routing that takes time to reach Envoy).
 */
import type { SummaryRow } from "./report.js";
import { formatInterval } from "./stats.js";

/** The scenario the ladder runs: the headline one. */
export const LADDER_SCENARIO = "brownout";
/** The policy it runs: the headline scenario's usual best, which both moves weights and hedges. */
export const LADDER_POLICY = "thompson-k2";

export interface LadderRow {
  readonly scenario: string;
  readonly contender: string;
  readonly view: string;
  readonly summary: SummaryRow;
  /** Istio's default on the same scenario, from the main matrix. */
  readonly baselineP99Ms?: number;
}

export function ladderSection(rows: readonly LadderRow[]): string[] {
  if (rows.length === 0) return [];
  const scenario = rows[0].scenario;
  return [
    "## What production's telemetry costs",
    "",
    `The same policy on \`${scenario}\` under four views of the mesh, each adding one thing a real controller lives with: percentiles estimated by \`histogram_quantile\` over Istio's default buckets instead of exact ones; rates over the controller's window from counters Prometheus scraped every 15 s (so figures lag by up to a scrape and are smoothed over the window); and a delay before a routing change reaches the proxies. The last view is the default for every other figure in this document. Ratios are against Istio's default on the same scenario.`,
    "",
    "| policy | view | p99 ms | p99 vs Istio default | errors % | extra load % |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => {
      const ratio = r.baselineP99Ms ? (r.summary.p99Ms.mean / r.baselineP99Ms).toFixed(2) : "n/a";
      return `| ${r.contender} | ${r.view} | ${formatInterval(r.summary.p99Ms, 1)} | ${ratio} | ${(r.summary.errorRatio.mean * 100).toFixed(2)} | ${(r.summary.extraLoad.mean * 100).toFixed(1)} |`;
    }),
    "",
    "Not modelled: zones. With locality load balancing on and replicas spread across zones, Envoy picks within the caller's zone first, and Istio issue #47804 shows LEAST_REQUEST degrading to round robin when each zone holds one replica; the simulator has one locality, so Istio's default may look better here than on such a spread.",
    "",
  ];
}
