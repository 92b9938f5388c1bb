/**
 * The benchmark's plots, as Vega-Lite specs over exactly the data results.json holds: the summary
 * rows, the seed-1 timelines, each scenario's fault windows and the Q-learning curves.
 *
 * Latency is on a log axis, so a 150 ms bar is not flattened against a 2 s timeout; faulted
 * stretches are shaded; a timeline with thirteen contenders is drawn as small multiples, one panel
 * each, rather than thirteen colours in one panel.
 */
import { CATEGORY_SCHEME, type TopLevelSpec, withLook } from "../../common/plot.js";
import type { Fault } from "../sim/model.js";
import type { SummaryRow } from "./report.js";

/** A fault's time window, in seconds, as the timeline plots shade it. */
export interface FaultWindow {
  readonly kind: string;
  readonly replica?: number;
  readonly fromS: number;
  readonly toS: number;
}

/** The part of results.json the plots read. */
export interface PlotData {
  readonly contenders: readonly string[];
  readonly summary: readonly SummaryRow[];
  /** Seed 1's p99 per control interval, keyed `<scenario>/<contender>`: [seconds, ms]. */
  readonly timelines: Readonly<Record<string, readonly (readonly [number, number])[]>>;
  readonly faults: Readonly<Record<string, readonly FaultWindow[]>>;
  /** Each scenario's p99 objective, drawn as a dashed line on its timelines. */
  readonly objectives: Readonly<Record<string, { readonly p99LatencyMs: number }>>;
  readonly qCurves: Readonly<Record<string, readonly number[]>>;
}

export interface Plot {
  /** File name without extension; the bench writes `<name>.svg` and `<name>.png`. */
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

/** Windows of the faults that have one (speed flips run for the whole scenario and are not shaded). */
export function faultWindows(faults: readonly Fault[] | undefined): FaultWindow[] {
  return (faults ?? []).flatMap((f) =>
    "fromMs" in f ? [{ kind: f.kind, replica: f.replica, fromS: f.fromMs / 1000, toS: f.toMs / 1000 }] : [],
  );
}

const LOG_MS = { type: "log" } as const;

function p99ByScenario(data: PlotData): Plot {
  const values = data.summary
    .filter((r) => r.p99Ms.mean > 0)
    .map((r) => ({
      scenario: r.scenario,
      contender: r.contender,
      kind: r.kind === "meshpilot" ? "Meshpilot policy" : "peer balancer",
      p99: r.p99Ms.mean,
      // A log axis has no zero: an interval reaching below 1% of the mean is drawn from there.
      low: Math.max(r.p99Ms.mean - r.p99Ms.halfWidth, r.p99Ms.mean / 100),
      high: r.p99Ms.mean + r.p99Ms.halfWidth,
    }));
  const title = "p99 latency per policy per scenario (mean of seeds, 95% interval)";
  const y = {
    field: "contender",
    type: "nominal",
    sort: [...data.contenders],
    title: null,
    axis: { labelLimit: 240 },
  } as const;
  return {
    name: "p99-by-scenario",
    title,
    spec: withLook({
      title,
      data: { values },
      facet: {
        row: {
          field: "scenario",
          type: "nominal",
          title: null,
          header: { labelAngle: 0, labelAlign: "left" },
        },
      },
      spec: {
        width: 560,
        height: { step: 13 },
        layer: [
          {
            mark: { type: "rule", strokeWidth: 1.5 },
            encoding: {
              y,
              x: { field: "low", type: "quantitative" },
              x2: { field: "high" },
              color: { field: "kind" },
            },
          },
          {
            mark: { type: "point", filled: true, size: 45 },
            encoding: {
              y,
              x: { field: "p99", type: "quantitative", scale: LOG_MS, title: "p99 (ms, log scale)" },
              color: {
                field: "kind",
                type: "nominal",
                title: null,
                scale: { range: ["#e15759", "#4e79a7"] },
              },
              tooltip: [{ field: "contender" }, { field: "p99", format: ".1f" }],
            },
          },
        ],
      },
    }),
  };
}

function p99OverTime(data: PlotData, scenario: string): Plot | undefined {
  const contenders = data.contenders.filter((c) => data.timelines[`${scenario}/${c}`]?.length);
  const windows = data.faults[scenario] ?? [];
  if (contenders.length === 0 || windows.length === 0) return undefined;
  const points = contenders.flatMap((c) =>
    (data.timelines[`${scenario}/${c}`] ?? [])
      .filter(([, ms]) => ms > 0)
      .map(([t, ms]) => ({ layer: "p99", contender: c, t, ms })),
  );
  // The fault windows repeat in every panel: a faceted chart draws each panel from one dataset.
  const shaded = contenders.flatMap((c) =>
    windows.map((w) => ({ layer: "fault", contender: c, fromS: w.fromS, toS: w.toS, fault: w.kind })),
  );
  const objective = data.objectives[scenario]?.p99LatencyMs;
  const slo = objective ? contenders.map((c) => ({ layer: "slo", contender: c, ms: objective })) : [];
  const title = `${scenario}: p99 per control interval, seed 1 (shaded: fault active; dashed: p99 objective)`;
  return {
    name: `${scenario}-p99-over-time`,
    title,
    spec: withLook({
      title,
      data: { values: [...shaded, ...slo, ...points] },
      facet: { field: "contender", type: "nominal", sort: contenders, title: null },
      columns: 4,
      spec: {
        width: 200,
        height: 120,
        layer: [
          {
            transform: [{ filter: "datum.layer === 'fault'" }],
            mark: { type: "rect", color: "#f28e2b", opacity: 0.18 },
            encoding: { x: { field: "fromS", type: "quantitative" }, x2: { field: "toS" } },
          },
          {
            transform: [{ filter: "datum.layer === 'slo'" }],
            mark: { type: "rule", strokeDash: [4, 3], color: "#59a14f" },
            encoding: { y: { field: "ms", type: "quantitative" } },
          },
          {
            transform: [{ filter: "datum.layer === 'p99'" }],
            mark: { type: "line", strokeWidth: 1.5, color: "#4e79a7" },
            encoding: {
              x: { field: "t", type: "quantitative", title: "time (s)" },
              y: { field: "ms", type: "quantitative", scale: LOG_MS, title: "p99 (ms, log)" },
            },
          },
        ],
      },
    }),
  };
}

function qLearningCurve(data: PlotData): Plot | undefined {
  const values = Object.entries(data.qCurves).flatMap(([scenario, curve]) =>
    curve.map((reward, i) => ({ scenario, episode: i + 1, reward })),
  );
  if (values.length === 0) return undefined;
  const title = "Q-learning: mean reward per training episode";
  return {
    name: "q-learning-curve",
    title,
    spec: withLook({
      title,
      width: 640,
      height: 320,
      data: { values },
      mark: { type: "line", point: true, strokeWidth: 1.5 },
      encoding: {
        x: { field: "episode", type: "quantitative", axis: { tickMinStep: 1 }, title: "training episode" },
        y: { field: "reward", type: "quantitative", title: "mean reward per interval" },
        color: { field: "scenario", type: "nominal", scale: { scheme: CATEGORY_SCHEME }, title: "scenario" },
      },
    }),
  };
}

/** Every plot the data supports, in the order the report shows them. */
export function benchPlots(data: PlotData): Plot[] {
  const scenarios = [...new Set(data.summary.map((r) => r.scenario))];
  return [p99ByScenario(data), ...scenarios.map((s) => p99OverTime(data, s)), qLearningCurve(data)].filter(
    (p): p is Plot => p !== undefined,
  );
}
