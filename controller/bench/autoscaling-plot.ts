/**
 * Load, replicas and latency over time for one trace, seed 1: three panels sharing the time axis,
 * one line per contender. A trace with a ramp or spike is shown around its first one, minute by
 * minute; a trace without is shown over its last day in 5-minute bins (the mean load, the most
 * replicas and the worst p99 of each bin), so a two-week run stays a readable picture.
 */
import { CATEGORY_SCHEME, type TopLevelSpec, withLook } from "../../common/plot.js";
import type { AutoscalingResult, MinutePoint } from "../autoscaling/autoscaling-run.js";
import type { Trace } from "../autoscaling/trace.js";

export interface PlotWindow {
  readonly fromMinute: number;
  readonly toMinute: number;
  readonly binMinutes: number;
  readonly caption: string;
}

export function plotWindow(trace: Trace): PlotWindow {
  const minutesPerStep = trace.stepSeconds / 60;
  const first = [...trace.events].sort((a, b) => a.fromStep - b.fromStep)[0];
  if (first) {
    const fromMinute = Math.max(0, Math.round(first.fromStep * minutesPerStep) - 90);
    const toMinute = Math.round(first.toStep * minutesPerStep) + 90;
    return { fromMinute, toMinute, binMinutes: 1, caption: `around its first ${first.kind}, per minute` };
  }
  const total = Math.round(trace.rps.length * minutesPerStep);
  return {
    fromMinute: Math.max(0, total - 1440),
    toMinute: total,
    binMinutes: 5,
    caption: "its last day, in 5-minute bins",
  };
}

function binned(points: readonly MinutePoint[], w: PlotWindow) {
  const inside = points.filter((p) => p.minute >= w.fromMinute && p.minute < w.toMinute);
  const bins = new Map<number, MinutePoint[]>();
  for (const p of inside) {
    const start = w.fromMinute + Math.floor((p.minute - w.fromMinute) / w.binMinutes) * w.binMinutes;
    bins.set(start, [...(bins.get(start) ?? []), p]);
  }
  return [...bins.entries()].map(([minute, ps]) => ({
    hours: Number((minute / 60).toFixed(3)),
    rps: Math.round(ps.reduce((a, p) => a + p.rps, 0) / ps.length),
    replicas: Math.max(...ps.map((p) => p.replicas)),
    p99: Math.max(...ps.map((p) => p.p99Ms)),
  }));
}

export function autoscalingPlot(
  trace: Trace,
  results: readonly AutoscalingResult[],
  contenders: readonly string[],
  objectiveMs: number,
): TopLevelSpec {
  const w = plotWindow(trace);
  const runs = results.filter((r) => r.trace === trace.name && contenders.includes(r.contender));
  const values = runs.flatMap((r) => binned(r.timeline, w).map((p) => ({ ...p, contender: r.contender })));
  const load = binned(runs[0]?.timeline ?? [], w);
  const x = { field: "hours", type: "quantitative", title: "hours since the trace started" } as const;
  const color = {
    field: "contender",
    type: "nominal",
    scale: { scheme: CATEGORY_SCHEME, domain: [...contenders] },
    title: null,
  } as const;
  const panel = (field: string, title: string, extra: Record<string, unknown> = {}) => ({
    width: 680,
    height: 130,
    data: { values },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
    encoding: {
      x,
      y: { field, type: "quantitative", title, ...extra },
      color,
      strokeDash: { field: "contender", type: "nominal", title: null },
    },
  });
  return withLook({
    title: `${trace.name}: load, replicas and p99, seed 1 (${w.caption})`,
    vconcat: [
      {
        width: 680,
        height: 110,
        data: { values: load },
        mark: { type: "area", interpolate: "step-after", opacity: 0.5, color: "#888888" },
        encoding: { x, y: { field: "rps", type: "quantitative", title: "requests per second" } },
      },
      panel("replicas", "replicas"),
      {
        layer: [
          panel("p99", "p99 latency (ms)", { scale: { type: "log" } }),
          {
            data: { values: [{ objective: objectiveMs }] },
            mark: { type: "rule", strokeDash: [6, 4], color: "#d62728" },
            encoding: { y: { field: "objective", type: "quantitative" } },
          },
        ],
      },
    ],
  });
}
