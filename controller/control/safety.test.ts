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

  test("the hedging cap: removed when not allowed or at the cap, kept below it", () => {
    const hot = observation({ v1: stats(0.9), v2: stats(0.9) });
    const cool = observation({ v1: stats(0.5), v2: stats(0.5) });
    expect(capHedging(hedged, cool, true, 0.85)).toEqual({ routing: hedged });
    expect(capHedging(hedged, hot, true, 0.85).routing.retries).toBeUndefined();
    expect(capHedging(hedged, cool, false, 0.85).note).toMatch(/does not allow it/);
    expect(capHedging(live, hot, true, 0.85)).toEqual({ routing: live });
  });
});
