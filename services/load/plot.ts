/**
 * The load run over time, from the report's own timeline: latency percentiles on a log axis above,
 * throughput and errors per second below, on one time axis.
 */
import { type TopLevelSpec, withLook } from "../../common/plot.js";
import type { LoadReport } from "./report.js";

export function loadPlot(report: LoadReport): TopLevelSpec {
  const { bucketSeconds, points } = report.timeline;
  const who =
    report.mode === "closed" ? `${report.vus} users, closed loop` : `${report.rate} visits/s, open loop`;
  const latency = points.flatMap((p) =>
    (
      [
        ["p50", p.p50Ms],
        ["p95", p.p95Ms],
        ["p99", p.p99Ms],
      ] as const
    )
      // An interval with no requests has no latency; a log axis has no zero.
      .filter(([, ms]) => ms > 0)
      .map(([percentile, ms]) => ({ atS: p.atS, percentile, ms })),
  );
  const rates = points.flatMap((p) => [
    { atS: p.atS, series: "requests/s", perS: p.requestsPerS },
    { atS: p.atS, series: "errors/s", perS: p.errorsPerS },
  ]);
  const x = { field: "atS", type: "quantitative", title: `time (s, ${bucketSeconds} s intervals)` } as const;
  return withLook({
    title: `Load on ${report.target}: ${who}, seed ${report.seed}`,
    vconcat: [
      {
        width: 720,
        height: 260,
        data: { values: latency },
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "latency (ms, log scale)" },
          color: {
            field: "percentile",
            type: "nominal",
            sort: ["p50", "p95", "p99"],
            scale: { range: ["#4e79a7", "#f28e2b", "#e15759"] },
            title: "percentile",
          },
        },
      },
      {
        width: 720,
        height: 140,
        data: { values: rates },
        mark: { type: "line", strokeWidth: 1.5, interpolate: "step-after" },
        encoding: {
          x,
          y: { field: "perS", type: "quantitative", title: "per second" },
          color: {
            field: "series",
            type: "nominal",
            sort: ["requests/s", "errors/s"],
            scale: { range: ["#59a14f", "#b07aa1"] },
            title: null,
          },
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  });
}
