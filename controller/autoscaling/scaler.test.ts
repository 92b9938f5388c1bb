import fc from "fast-check";
import type { Forecast } from "./forecast.js";
import {
  decide,
  initialScalerState,
  type ScalerObservation,
  type ScalerSettings,
  type ScalerState,
  screen,
} from "./scaler.js";

const STEP = 60_000;
const settings: ScalerSettings = {
  mode: "act",
  minReplicas: 2,
  maxReplicas: 20,
  targetUtilization: 0.7,
  quantile: 0.9,
  horizonMs: 120_000,
  stepMs: STEP,
  maxStep: 4,
  budgetReplicaMinutesPerDay: 600,
  spikeFilterMs: 120_000,
  learnExcursionAfterMs: 360_000,
  downStabilizationMs: 300_000,
  floorScaleUpWindowMs: 75_000,
};
const flat = (mean: number, upper: number, steps = 2): Forecast => ({
  mean: Array.from({ length: steps }, () => mean),
  upper: Array.from({ length: steps }, () => upper),
});

/** One step of the runner's order: screen against the one-step forecast, then decide. */
function step(
  s: ScalerSettings,
  state: ScalerState,
  obs: ScalerObservation,
  oneStep?: Forecast,
  ahead?: Forecast,
) {
  const screening = screen(s, state, obs, oneStep);
  return { screening, decision: decide(s, state, obs, screening, ahead) };
}

describe("the predictive scaler", () => {
  test("provisions the forecast's upper band at the target utilization, with the capacity it learned", () => {
    // 4 ready replicas at 50% serving 240 rps: 120 rps each at 100%.
    const obs = { nowMs: STEP, rps: 240, utilization: 0.5, ready: 4, floor: 3 };
    const { decision } = step(settings, initialScalerState(settings, 0), obs, flat(240, 260), flat(400, 500));
    // 500 / (120 × 0.7) = 5.95 → 6.
    expect(decision.write).toBe(6);
    expect(decision.explanation).toBe(
      "minReplicas 2 → 6: forecast p90 500 rps; 6 replicas at 70% of 120.0 rps each",
    );
    expect(decision.state.capacityRps).toBeCloseTo(120);
    // While it forecasts, the HPA under it waits for its next reading before a scale-up.
    expect(decision.scaleUpWindowMs).toBe(75_000);
  });

  test("does not chase a spike, follows a surge that lasts or keeps growing", () => {
    let state: ScalerState = { ...initialScalerState(settings, 0), capacityRps: 120 };
    const band = flat(200, 230);
    // A jump to 600 rps, flat: a spike for its first two minutes, the forecaster fed the forecast.
    const first = screen(
      settings,
      state,
      { nowMs: STEP, rps: 600, utilization: 0.9, ready: 4, floor: 4 },
      band,
    );
    expect(first).toMatchObject({ filtered: true, surge: false, feed: 200 });
    state = first.state;
    const second = screen(
      settings,
      state,
      { nowMs: 2 * STEP, rps: 600, utilization: 0.9, ready: 4, floor: 4 },
      band,
    );
    expect(second).toMatchObject({ filtered: true, surge: false });
    // Past the filter's window it is real, and followed; the forecaster still learns the forecast
    // until the excursion has lasted long enough to be a new level.
    let later = screen(
      settings,
      second.state,
      { nowMs: 3 * STEP, rps: 600, utilization: 0.9, ready: 4, floor: 4 },
      band,
    );
    expect(later).toMatchObject({ filtered: false, surge: true, feed: 200 });
    for (let i = 4; i <= 7; i++)
      later = screen(
        settings,
        later.state,
        { nowMs: i * STEP, rps: 600, utilization: 0.9, ready: 4, floor: 4 },
        band,
      );
    expect(later).toMatchObject({ surge: true, feed: 600 });
    // A ramp still growing by more than a quarter is followed on its second reading.
    const start = screen(
      settings,
      { ...initialScalerState(settings, 0), capacityRps: 120 },
      { nowMs: STEP, rps: 300, utilization: 0.9, ready: 4, floor: 4 },
      band,
    );
    const rising = screen(
      settings,
      start.state,
      { nowMs: 2 * STEP, rps: 400, utilization: 0.9, ready: 4, floor: 4 },
      band,
    );
    expect(rising.surge).toBe(true);
    const decision = decide(
      settings,
      start.state,
      { nowMs: 2 * STEP, rps: 400, utilization: 0.9, ready: 4, floor: 4 },
      rising,
      band,
    );
    // 400 + 100 per step × 2 steps = 600 rps: 600 / 84 → 8, limited to +4 from 2.
    expect(decision.explanation).toContain("surge followed: 400 rps rising to 600");
    expect(decision.write).toBe(6);
  });

  test("missing telemetry freezes minReplicas where it was and leaves the HPA to act alone", () => {
    const state = { ...initialScalerState(settings, 0), minReplicas: 7, capacityRps: 120 };
    const { decision } = step(
      settings,
      state,
      { nowMs: STEP, ready: 5, floor: 5 },
      flat(200, 230),
      flat(900, 990),
    );
    expect(decision).toMatchObject({ write: 7, minReplicas: 7, scaleUpWindowMs: 0 });
    expect(decision.explanation).toBe(
      "telemetry missing: minReplicas held at 7; the HPA acts alone above it",
    );
  });

  test("observe mode recommends and writes nothing", () => {
    const observe = { ...settings, mode: "observe" as const };
    const obs = { nowMs: STEP, rps: 240, utilization: 0.5, ready: 4, floor: 3 };
    const { decision } = step(observe, initialScalerState(observe, 0), obs, flat(240, 260), flat(400, 500));
    expect(decision.write).toBeUndefined();
    expect(decision.minReplicas).toBe(6);
    expect(decision.explanation).toMatch(/^would set minReplicas 2 → 6/);
  });

  test("holds minReplicas up for the scale-down window after a busy minute", () => {
    let state: ScalerState = { ...initialScalerState(settings, 0), capacityRps: 120 };
    const at = (i: number, demand: number) => {
      const obs = { nowMs: i * STEP, rps: 240, utilization: 0.5, ready: 4, floor: 2 };
      const out = step(settings, state, obs, flat(240, 1000), flat(demand, demand));
      state = out.decision.state;
      return out.decision.minReplicas;
    };
    expect(at(1, 500)).toBe(6);
    expect([2, 3, 4, 5].map((i) => at(i, 100))).toEqual([6, 6, 6, 6]);
    expect(at(7, 100)).toBe(2);
  });

  test("guardrails hold for any telemetry and forecast: bounds, step, budget, observe mode", () => {
    // Telemetry as a service of 120 rps per replica reports it, each part possibly missing.
    const observation = fc.record({
      utilization: fc.double({ min: 0.2, max: 0.9, noNaN: true }),
      rpsMissing: fc.boolean(),
      utilizationMissing: fc.boolean(),
      ready: fc.integer({ min: 1, max: 30 }),
      floor: fc.integer({ min: 2, max: 20 }),
      upper: fc.double({ min: 0, max: 2000, noNaN: true }),
      announced: fc.option(fc.double({ min: 1, max: 5, noNaN: true }), { nil: undefined }),
    });
    const config = fc.record({
      mode: fc.constantFrom("act" as const, "observe" as const),
      maxStep: fc.integer({ min: 1, max: 10 }),
      budgetReplicaMinutesPerDay: fc.integer({ min: 0, max: 300 }),
    });
    fc.assert(
      fc.property(config, fc.array(observation, { minLength: 1, maxLength: 60 }), (c, seq) => {
        const s = { ...settings, ...c };
        let state = initialScalerState(s, 0);
        for (const [i, o] of seq.entries()) {
          const nowMs = (i + 1) * STEP * 60; // an hour a step, so the daily budget resets within a run
          const obs: ScalerObservation = {
            nowMs,
            rps: o.rpsMissing ? undefined : o.utilization * o.ready * 120,
            utilization: o.utilizationMissing ? undefined : o.utilization,
            ready: o.ready,
            floor: o.floor,
            calendar: o.announced ? [{ fromMs: nowMs, toMs: nowMs + STEP, factor: o.announced }] : [],
          };
          const { decision } = step(
            s,
            state,
            obs,
            flat(o.upper * 0.8, o.upper),
            flat(o.upper * 0.8, o.upper),
          );
          const before = state.minReplicas;
          const after = decision.minReplicas;
          expect(after).toBeGreaterThanOrEqual(s.minReplicas);
          expect(after).toBeLessThanOrEqual(s.maxReplicas);
          expect(after - before).toBeLessThanOrEqual(s.maxStep);
          expect(decision.write).toBe(s.mode === "act" ? after : undefined);
          if (o.rpsMissing || o.utilizationMissing) expect(after).toBe(before);
          expect(decision.state.budget.usedReplicaMinutes).toBeLessThanOrEqual(s.budgetReplicaMinutesPerDay);
          expect(decision.explanation.length).toBeGreaterThan(0);
          state = decision.state;
        }
      }),
      { seed: 18, numRuns: 300 },
    );
  });
});
