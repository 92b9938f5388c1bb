import type { AutoscalingResult, ContenderName } from "../autoscaling/autoscaling-run.js";
import type { Trace } from "../autoscaling/trace.js";
import { plotWindow } from "./autoscaling-plot.js";
import { autoscalingTargets, forecastAccuracy, summarizeAutoscaling } from "./autoscaling-report.js";

function result(
  trace: string,
  contender: ContenderName,
  seed: number,
  figures: Partial<AutoscalingResult>,
): AutoscalingResult {
  return {
    trace,
    contender,
    seed,
    sloViolationMinutes: 0,
    replicaMinutes: 0,
    scaleUps: 0,
    spikeScaleUps: 0,
    failedRequests: 0,
    timeline: [],
    explanations: [],
    ...figures,
  };
}

describe("the autoscaling report", () => {
  const results = [
    result("a", "hpa", 1, { sloViolationMinutes: 10, replicaMinutes: 1000, spikeScaleUps: 4 }),
    result("a", "hpa", 2, { sloViolationMinutes: 12, replicaMinutes: 1200, spikeScaleUps: 6 }),
    result("a", "predictive-holt-winters", 1, {
      sloViolationMinutes: 4,
      replicaMinutes: 1050,
      spikeScaleUps: 1,
    }),
    result("a", "predictive-holt-winters", 2, {
      sloViolationMinutes: 6,
      replicaMinutes: 1150,
      spikeScaleUps: 1,
    }),
    result("b", "hpa", 1, { sloViolationMinutes: 0, replicaMinutes: 500 }),
    result("b", "predictive-holt-winters", 1, { sloViolationMinutes: 1, replicaMinutes: 400 }),
  ];

  test("averages over seeds per trace, and judges the targets on the totals with their figures", () => {
    const rows = summarizeAutoscaling(results);
    expect(rows.find((r) => r.trace === "a" && r.contender === "hpa")).toMatchObject({
      seeds: 2,
      sloViolationMinutes: 11,
      replicaMinutes: 1100,
      spikeScaleUps: 5,
    });
    expect(autoscalingTargets(rows)).toEqual([
      { name: "SLO-violation minutes at most 0.5× the HPA's", figure: "6 vs 11 min (0.55×)", met: false },
      { name: "Replica-minutes at most 1.0× the HPA's", figure: "1500 vs 1600 (0.938×)", met: true },
      { name: "Scale-ups triggered by a transient spike: fewer than the HPA's", figure: "1 vs 5", met: true },
    ]);
  });

  test("scores forecasts at the horizon from two seasons on: a repeating series is forecast exactly", () => {
    const season = 10;
    const day = Array.from({ length: season }, (_, t) => 100 + 20 * Math.sin((2 * Math.PI * t) / season));
    const rps = Array.from({ length: 6 * season }, (_, t) => day[t % season]);
    const trace: Trace = {
      name: "clean",
      description: "",
      stepSeconds: 60,
      seasonSteps: season,
      rps,
      events: [],
    };
    const [naive, hw] = forecastAccuracy(trace, 2, 0.9);
    expect(naive).toMatchObject({ forecaster: "seasonal-naive", fromStep: 20, smape: 0, coverage: 1 });
    expect(hw.forecaster).toBe("holt-winters");
    expect(hw.smape).toBeLessThan(1);
  });

  test("plots a trace around its first event, or its last day in 5-minute bins", () => {
    const base = {
      name: "t",
      description: "",
      stepSeconds: 60,
      seasonSteps: 1440,
      rps: new Array(3 * 1440).fill(1),
    };
    expect(
      plotWindow({ ...base, events: [{ kind: "spike", fromStep: 2000, toStep: 2002, factor: 3 }] }),
    ).toEqual({
      fromMinute: 1910,
      toMinute: 2092,
      binMinutes: 1,
      caption: "around its first spike, per minute",
    });
    expect(plotWindow({ ...base, events: [] })).toMatchObject({
      fromMinute: 2880,
      toMinute: 4320,
      binMinutes: 5,
    });
  });
});
