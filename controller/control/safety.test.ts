import { describe, expect, test } from "@jest/globals";
import type { Observation } from "../metrics/observation.js";
import { capHedging, meanUtilization, telemetryProblem } from "./safety.js";

const stats = (cpuUtilization: number | undefined, replicas = 2) => ({
  rps: 100,
  errorRatio: 0,
  p50Ms: 10,
  p95Ms: 20,
  p99Ms: 30,
  cpuUtilization,
  replicas,
});
const observation = (subsets: Observation["subsets"], stale = false): Observation => ({
  atMs: 0,
  windowMs: 60_000,
  subsets,
  replicas: {},
  stale,
});
const live = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 95, v2: 5 } };
const hedged = { ...live, retries: { attempts: 1, perTryTimeoutMs: 40, hedge: true } };

describe("safety checks", () => {
  test("stale, and partial where a subset carrying traffic has no figures; a subset at weight 0 may be missing", () => {
    expect(telemetryProblem(observation({}, true), live)).toBe("telemetry is stale");
    expect(telemetryProblem(observation({ v1: stats(0.5) }), live)).toBe(
      "telemetry is partial: no figures for v2",
    );
    expect(
      telemetryProblem(observation({ v1: stats(0.5) }), { ...live, weights: { v1: 100, v2: 0 } }),
    ).toBeUndefined();
  });

  test("mean utilization weighs subsets by their replicas and skips unknown ones", () => {
    expect(meanUtilization(observation({ v1: stats(0.9, 3), v2: stats(0.5, 1) }))).toBeCloseTo(0.8, 10);
    expect(meanUtilization(observation({ v1: stats(undefined) }))).toBeUndefined();
  });

  test("the hedging cap: removed when not allowed, at the CPU cap, or over the extra-load cap", () => {
    const hot = observation({ v1: stats(0.9), v2: stats(0.9) });
    const cool = observation({ v1: stats(0.5), v2: stats(0.5) });
    const safety = { maxHedgeUtilization: 0.85, maxHedgeExtraLoad: 0.05 };
    const cap = (o: Partial<Parameters<typeof capHedging>[0]>) =>
      capHedging({ proposed: hedged, live, observation: cool, hedgingAllowed: true, safety, nowMs: 0, ...o });
    expect(cap({})).toEqual({ routing: hedged });
    expect(cap({ observation: hot }).routing.retries).toBeUndefined();
    expect(cap({ hedgingAllowed: false }).note).toMatch(/does not allow it/);
    expect(cap({ proposed: live, observation: hot })).toEqual({ routing: live });
    // Extra load is judged only when hedging is what is in force.
    const costly = { ...cool, extraLoad: 0.08 };
    expect(cap({ observation: costly })).toEqual({ routing: hedged });
    const tripped = cap({ observation: costly, live: hedged });
    expect(tripped).toMatchObject({
      tripped: true,
      note: "Hedging removed: it adds 8.0% load, over the 5% cap.",
    });
    expect(cap({ heldUntilMs: 30_000, nowMs: 10_000 }).note).toMatch(/held off for 20 s more/);
    // The ejection lever's retries replay requests too.
    const eject = { ...live, retries: { attempts: 1, perTryTimeoutMs: 100, onTimeout: true } };
    expect(cap({ proposed: eject })).toEqual({ routing: eject });
    expect(cap({ proposed: eject, hedgingAllowed: false })).toEqual({
      routing: live,
      note: "Per-try timeout retries removed: the intent does not allow replaying requests.",
    });
  });
});
