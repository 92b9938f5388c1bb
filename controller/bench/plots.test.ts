import { renderSvg } from "../../common/plot.js";
import { benchPlots, faultWindows, type PlotData } from "./plots.js";
import type { SummaryRow } from "./report.js";

const interval = (mean: number, halfWidth = 0) => ({ mean, halfWidth, n: 3 });
const summary = (scenario: string, contender: string, p99: number): SummaryRow => ({
  scenario,
  contender,
  kind: contender === "thompson-k2" ? "meshpilot" : "peer",
  p50Ms: interval(20),
  p99Ms: interval(p99, p99 / 10),
  p999Ms: interval(p99),
  errorRatio: interval(0),
  throughputRps: interval(100),
  extraLoad: interval(0),
  utilizationCv: interval(0.1),
});

const data: PlotData = {
  contenders: ["istio-default", "thompson-k2"],
  summary: [summary("brownout", "istio-default", 2000), summary("brownout", "thompson-k2", 150)],
  timelines: {
    "brownout/istio-default": [
      [15, 100],
      [30, 1900],
    ],
    "brownout/thompson-k2": [
      [15, 100],
      [30, 140],
    ],
  },
  faults: {
    brownout: faultWindows([{ kind: "brownout", replica: 1, factor: 10, fromMs: 20_000, toMs: 40_000 }]),
  },
  objectives: { brownout: { p99LatencyMs: 100 } },
  qCurves: { brownout: [-0.5, -0.3] },
};

describe("the bench's plots", () => {
  const plots = benchPlots(data);
  const byName = Object.fromEntries(plots.map((p) => [p.name, p]));

  it("draws one summary, one timeline per faulted scenario and the learning curve", () => {
    expect(plots.map((p) => p.name)).toEqual([
      "p99-by-scenario",
      "brownout-p99-over-time",
      "q-learning-curve",
    ]);
  });

  it("puts latency on a log axis and shades the fault window from the scenario", () => {
    const spec = JSON.stringify(byName["brownout-p99-over-time"].spec);
    expect(spec).toContain('"scale":{"type":"log"}');
    const values = (byName["brownout-p99-over-time"].spec as { data: { values: Record<string, unknown>[] } })
      .data.values;
    expect(values.filter((v) => v.layer === "fault")).toEqual([
      { layer: "fault", contender: "istio-default", fromS: 20, toS: 40, fault: "brownout" },
      { layer: "fault", contender: "thompson-k2", fromS: 20, toS: 40, fault: "brownout" },
    ]);
    // The points drawn are the timelines' own values, nothing resampled.
    expect(values.filter((v) => v.layer === "p99").map((v) => [v.t, v.ms])).toEqual([
      [15, 100],
      [30, 1900],
      [15, 100],
      [30, 140],
    ]);
  });

  it("renders to SVG with ticks on the log axis and the fault rectangles", async () => {
    const svg = await renderSvg(byName["brownout-p99-over-time"].spec);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("1,000");
    expect(svg).toContain("mark-rect");
    expect(svg).toContain("istio-default");
    const summarySvg = await renderSvg(byName["p99-by-scenario"].spec);
    expect(summarySvg).toContain("p99 (ms, log scale)");
  });

  it("leaves speed flips unshaded: they span the whole run", () => {
    expect(faultWindows([{ kind: "speed-flip", periodMs: 1000, fastFactor: 2 }])).toEqual([]);
  });
});
