/**
 * What `npm run bench:autoscaling` reports, computed from the runs alone: each contender's mean over
 * seeds per trace, the totals over traces, the targets with their figures, and each forecaster's
 * accuracy at the scaler's horizon. Nothing here runs a simulation.
 */
import { FORECASTERS } from "../../api/intent/autoscaling-schema.js";
import type { AutoscalingResult, ContenderName } from "../autoscaling/autoscaling-run.js";
import { coverage, smape } from "../autoscaling/forecast.js";
import { onlineForecaster } from "../autoscaling/online-forecast.js";
import type { Trace } from "../autoscaling/trace.js";

/** Meshpilot's scaler as the cluster runs it: Holt-Winters is the default forecaster. */
export const MESHPILOT = "predictive-holt-winters" satisfies ContenderName;

export interface AutoscalingRow {
  readonly trace: string;
  readonly contender: ContenderName;
  readonly seeds: number;
  readonly sloViolationMinutes: number;
  readonly replicaMinutes: number;
  readonly scaleUps: number;
  readonly spikeScaleUps: number;
  readonly failedRequests: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

export function summarizeAutoscaling(results: readonly AutoscalingResult[]): AutoscalingRow[] {
  const groups = new Map<string, AutoscalingResult[]>();
  for (const r of results) {
    const key = `${r.trace}\u0000${r.contender}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => ({
    trace: rs[0].trace,
    contender: rs[0].contender,
    seeds: rs.length,
    sloViolationMinutes: round(mean(rs.map((r) => r.sloViolationMinutes))),
    replicaMinutes: Math.round(mean(rs.map((r) => r.replicaMinutes))),
    scaleUps: round(mean(rs.map((r) => r.scaleUps))),
    spikeScaleUps: round(mean(rs.map((r) => r.spikeScaleUps))),
    failedRequests: Math.round(mean(rs.map((r) => r.failedRequests))),
  }));
}

export function totals(rows: readonly AutoscalingRow[], contender: ContenderName) {
  const mine = rows.filter((r) => r.contender === contender);
  const sum = (f: (r: AutoscalingRow) => number) => round(mine.reduce((a, r) => a + f(r), 0));
  return {
    sloViolationMinutes: sum((r) => r.sloViolationMinutes),
    replicaMinutes: sum((r) => r.replicaMinutes),
    spikeScaleUps: sum((r) => r.spikeScaleUps),
  };
}

export interface Target {
  readonly name: string;
  readonly figure: string;
  readonly met: boolean;
}

/** The three targets, over all traces, Meshpilot's scaler against the HPA as the tree has it. */
export function autoscalingTargets(
  rows: readonly AutoscalingRow[],
  judged: ContenderName = MESHPILOT,
): Target[] {
  const ours = totals(rows, judged);
  const hpa = totals(rows, "hpa");
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : a / b);
  const violations = ratio(ours.sloViolationMinutes, hpa.sloViolationMinutes);
  const cost = ratio(ours.replicaMinutes, hpa.replicaMinutes);
  return [
    {
      name: "SLO-violation minutes at most 0.5× the HPA's",
      figure: `${ours.sloViolationMinutes} vs ${hpa.sloViolationMinutes} min (${violations.toFixed(2)}×)`,
      met: violations <= 0.5,
    },
    {
      name: "Replica-minutes at most 1.0× the HPA's",
      figure: `${ours.replicaMinutes} vs ${hpa.replicaMinutes} (${cost.toFixed(3)}×)`,
      met: cost <= 1,
    },
    {
      name: "Scale-ups triggered by a transient spike: fewer than the HPA's",
      figure: `${ours.spikeScaleUps} vs ${hpa.spikeScaleUps}`,
      met: ours.spikeScaleUps < hpa.spikeScaleUps,
    },
  ];
}

export interface Accuracy {
  readonly trace: string;
  readonly forecaster: string;
  readonly horizonSteps: number;
  /** The first step forecast and scored (both forecasters from the same step). */
  readonly fromStep: number;
  readonly smape: number;
  readonly coverage: number;
}

/**
 * Rolling-origin accuracy at the scaler's horizon: at every step from two seasons on (when
 * Holt-Winters has its history), each forecaster forecasts `horizonSteps` ahead; sMAPE of the mean
 * and coverage of the upper quantile against what came.
 */
export function forecastAccuracy(trace: Trace, horizonSteps: number, quantile: number): Accuracy[] {
  const fromStep = 2 * trace.seasonSteps;
  return FORECASTERS.map((name) => {
    const f = onlineForecaster(name, { season: trace.seasonSteps });
    const means: number[] = [];
    const uppers: number[] = [];
    const actual: number[] = [];
    for (let t = 0; t + horizonSteps < trace.rps.length; t++) {
      f.observe(trace.rps[t]);
      if (t + 1 < fromStep) continue;
      const forecast = f.forecast(horizonSteps, quantile);
      if (!forecast) continue;
      means.push(forecast.mean[horizonSteps - 1]);
      uppers.push(forecast.upper[horizonSteps - 1]);
      actual.push(trace.rps[t + horizonSteps]);
    }
    return {
      trace: trace.name,
      forecaster: name,
      horizonSteps,
      fromStep,
      smape: round(smape(actual, means), 2),
      coverage: round(coverage(actual, uppers), 3),
    };
  });
}
