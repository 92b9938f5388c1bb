import { CONTENDERS, runAutoscaling } from "./autoscaling-run.js";
import { autoscalingProfile } from "./profile.js";
import type { Trace, TraceEvent } from "./trace.js";

const profile = autoscalingProfile();
/** Hourly "seasons" of 60 one-minute steps keep the runs short; the shape is what matters. */
function trace(rps: (t: number) => number, steps: number, events: TraceEvent[] = []): Trace {
  return {
    name: "test",
    description: "",
    stepSeconds: 60,
    seasonSteps: 60,
    rps: Array.from({ length: steps }, (_, t) => rps(t)),
    events,
  };
}
const hourly = (t: number) => 200 + 80 * Math.sin((2 * Math.PI * t) / 60);

describe("an autoscaling run", () => {
  test("is reproducible from its seed and refuses an unknown contender", () => {
    const t = trace(hourly, 120);
    expect(runAutoscaling(t, profile, "hpa", { seed: 3 })).toEqual(
      runAutoscaling(t, profile, "hpa", { seed: 3 }),
    );
    expect(() => runAutoscaling(t, profile, "keda" as never, { seed: 3 })).toThrow(
      `contender: unknown name 'keda'; valid names are ${CONTENDERS.join(", ")}`,
    );
  });

  test("the HPA catches a doubling only after its metrics lag and the start-up, and the minutes between violate", () => {
    const t = trace((i) => (i < 30 ? 150 : 300), 60);
    const r = runAutoscaling(t, profile, "hpa", { seed: 1 });
    const after = r.timeline.slice(30);
    expect(after[0].violated).toBe(true);
    expect(r.sloViolationMinutes).toBeGreaterThanOrEqual(1);
    expect(r.sloViolationMinutes).toBeLessThanOrEqual(4);
    expect(after.at(-1)?.replicas).toBe(Math.ceil(300 / (120 * 0.7)));
    expect(r.scaleUps).toBeGreaterThanOrEqual(1);
  });

  test("an announced ramp is provisioned ahead by the scaler; the HPA alone violates during it", () => {
    const ramp: TraceEvent = { kind: "ramp", fromStep: 200, toStep: 240, factor: 2.5, announcedAtStep: 150 };
    const load = (i: number) => hourly(i) * (i >= 200 && i < 240 ? 2.5 : 1);
    const t = trace(load, 260, [ramp]);
    const hpa = runAutoscaling(t, profile, "hpa", { seed: 1 });
    const predictive = runAutoscaling(t, profile, "predictive-holt-winters", { seed: 1 });
    expect(hpa.sloViolationMinutes).toBeGreaterThan(0);
    expect(predictive.sloViolationMinutes).toBeLessThan(hpa.sloViolationMinutes);
    expect(predictive.timeline[198].replicas).toBeGreaterThan(hpa.timeline[198].replicas);
    expect(predictive.explanations.some((e) => e.includes("announced ×2.5"))).toBe(true);
  });

  test("a two-minute spike is chased by the HPA, not by the predictive system", () => {
    const spikes: TraceEvent[] = [150, 200].map((s) => ({
      kind: "spike",
      fromStep: s,
      toStep: s + 2,
      factor: 3,
    }));
    const load = (i: number) => hourly(i) * (spikes.some((s) => i >= s.fromStep && i < s.toStep) ? 3 : 1);
    const t = trace(load, 240, spikes);
    const hpa = runAutoscaling(t, profile, "hpa", { seed: 1 });
    const predictive = runAutoscaling(t, profile, "predictive-holt-winters", { seed: 1 });
    expect(hpa.spikeScaleUps).toBeGreaterThanOrEqual(2);
    expect(predictive.spikeScaleUps).toBeLessThan(hpa.spikeScaleUps);
  });
});
