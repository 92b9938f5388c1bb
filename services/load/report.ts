/** The load run's report: per step and in total, as JSON and as a table. */
import type { Histogram } from "hdr-histogram-js";
import { STEPS, type Step } from "./journey.js";
import type { LoadResult } from "./runner.js";

export interface Latency {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface StepReport {
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly throughputRps: number;
  /** Milliseconds. */
  readonly latencyMs: Latency;
  readonly statuses: Readonly<Record<string, number>>;
}

/** One interval of the run: its start, throughput, errors and latency percentiles. */
export interface TimelinePoint {
  readonly atS: number;
  readonly requestsPerS: number;
  readonly errorsPerS: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

export interface LoadReport {
  readonly target: string;
  readonly mode: "closed" | "open";
  readonly vus?: number;
  readonly rate?: number;
  readonly seed: number;
  readonly durationSeconds: number;
  readonly visits: { readonly started: number; readonly completed: number; readonly dropped: number };
  readonly steps: Readonly<Record<Step, StepReport>>;
  readonly total: StepReport;
  readonly timeline: { readonly bucketSeconds: number; readonly points: readonly TimelinePoint[] };
}

const ms = (micros: number) => Math.round(micros) / 1000;

function latency(h: Histogram): Latency {
  if (h.totalCount === 0) return { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.getValueAtPercentile(100)),
    mean: ms(h.mean),
  };
}

export function summarize(result: LoadResult): LoadReport {
  const seconds = result.elapsedMs / 1000;
  const step = (
    count: number,
    errors: number,
    h: Histogram,
    statuses: Record<string, number>,
  ): StepReport => ({
    requests: count,
    errors,
    errorRate: count > 0 ? errors / count : 0,
    throughputRps: Math.round((count / seconds) * 100) / 100,
    latencyMs: latency(h),
    statuses,
  });
  const steps = Object.fromEntries(
    STEPS.map((s) => {
      const st = result.steps[s];
      return [s, step(st.count, st.errors, st.latency, st.statuses)];
    }),
  ) as Record<Step, StepReport>;
  const statuses: Record<string, number> = {};
  for (const s of STEPS)
    for (const [code, n] of Object.entries(result.steps[s].statuses))
      statuses[code] = (statuses[code] ?? 0) + n;
  const count = STEPS.reduce((n, s) => n + result.steps[s].count, 0);
  const errors = STEPS.reduce((n, s) => n + result.steps[s].errors, 0);
  const o = result.options;
  return {
    target: o.target,
    mode: o.mode,
    ...(o.mode === "closed" ? { vus: o.vus } : { rate: o.rate }),
    seed: o.seed,
    durationSeconds: Math.round(seconds * 100) / 100,
    visits: result.visits,
    steps,
    total: step(count, errors, result.total, statuses),
    timeline: timeline(result.timeline),
  };
}

function timeline(t: LoadResult["timeline"]): LoadReport["timeline"] {
  const bucketSeconds = t.bucketMs / 1000;
  const perS = (n: number) => Math.round((n / bucketSeconds) * 100) / 100;
  return {
    bucketSeconds,
    points: t.buckets.map((b, i) => {
      const l = latency(b.latency);
      return {
        atS: i * bucketSeconds,
        requestsPerS: perS(b.requests),
        errorsPerS: perS(b.errors),
        p50Ms: l.p50,
        p95Ms: l.p95,
        p99Ms: l.p99,
      };
    }),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function table(report: LoadReport): string {
  const header = ["step", "requests", "rps", "errors", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms"];
  const row = (name: string, r: StepReport) => [
    name,
    String(r.requests),
    r.throughputRps.toFixed(1),
    pct(r.errorRate),
    r.latencyMs.p50.toFixed(1),
    r.latencyMs.p95.toFixed(1),
    r.latencyMs.p99.toFixed(1),
    r.latencyMs.p999.toFixed(1),
    r.latencyMs.max.toFixed(1),
  ];
  const rows = [header, ...STEPS.map((s) => row(s, report.steps[s])), row("total", report.total)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const who =
    report.mode === "closed" ? `${report.vus} users (closed loop)` : `${report.rate} visits/s (open loop)`;
  return [
    `${report.target}: ${who}, ${report.durationSeconds} s, seed ${report.seed}; visits ${report.visits.started} started, ${report.visits.completed} completed, ${report.visits.dropped} dropped`,
    line(rows[0]),
    ...rows.slice(1).map(line),
  ].join("\n");
}
