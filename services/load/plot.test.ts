import { renderSvg } from "../../common/plot.js";
import { loadPlot } from "./plot.js";
import type { LoadReport } from "./report.js";
import { timelineBucketMs } from "./runner.js";

const point = (atS: number, p99Ms: number, requestsPerS = 10, errorsPerS = 0) => ({
  atS,
  requestsPerS,
  errorsPerS,
  p50Ms: p99Ms / 4,
  p95Ms: p99Ms / 2,
  p99Ms,
});

const report = {
  target: "http://127.0.0.1:8080",
  mode: "closed",
  vus: 5,
  seed: 1,
  timeline: { bucketSeconds: 1, points: [point(0, 400), point(1, 0, 0), point(2, 120, 12, 1)] },
} as unknown as LoadReport;

describe("the load run's plot", () => {
  it("cuts any run into at most 600 intervals of whole seconds", () => {
    expect(timelineBucketMs(30_000)).toBe(1000);
    expect(timelineBucketMs(600_000)).toBe(1000);
    expect(timelineBucketMs(3_600_000)).toBe(6000);
  });

  it("draws the report's own percentiles on a log axis, skipping an interval with no requests", async () => {
    const spec = loadPlot(report) as unknown as {
      vconcat: { data: { values: Record<string, unknown>[] } }[];
    };
    const latency = spec.vconcat[0].data.values;
    expect(latency.filter((v) => v.percentile === "p99").map((v) => [v.atS, v.ms])).toEqual([
      [0, 400],
      [2, 120],
    ]);
    expect(JSON.stringify(spec.vconcat[0])).toContain('"scale":{"type":"log"}');
    expect(spec.vconcat[1].data.values).toContainEqual({ atS: 2, series: "errors/s", perS: 1 });
    const svg = await renderSvg(loadPlot(report));
    expect(svg).toContain("latency (ms, log scale)");
    expect(svg).toContain("5 users, closed loop");
  });
});
