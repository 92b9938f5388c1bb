import type { Observation, SubsetStats } from "../metrics/observation.js";
import { aggregate, errorPenalty, latencyScore, reward } from "./reward.js";

const subset = (rps: number, p99Ms: number | undefined, errorRatio: number | undefined): SubsetStats => ({
  replicas: 2,
  rps,
  errorRatio,
  p50Ms: p99Ms && p99Ms / 4,
  p95Ms: p99Ms && p99Ms / 2,
  p99Ms,
  cpuUtilization: 0.5,
});
const observation = (subsets: Record<string, SubsetStats>): Observation => ({
  atMs: 10_000,
  windowMs: 10_000,
  subsets,
  replicas: {},
  stale: false,
});

describe("multi-objective reward", () => {
  it("scores latency against the objective and charges for the error budget, bounded", () => {
    expect(latencyScore(0.5)).toBe(0.5);
    expect(latencyScore(1)).toBe(0);
    expect(latencyScore(2)).toBeCloseTo(-Math.log(2), 12);
    // No cliff at a client timeout twenty times the objective: still worse than ten times.
    expect(latencyScore(20)).toBeLessThan(latencyScore(10));
    expect(latencyScore(1e6)).toBe(-5);
    expect(errorPenalty(0.5)).toBe(0.5);
    expect(errorPenalty(100)).toBe(5);
  });

  it("weights subsets by traffic and reports each term", () => {
    const o = observation({ v1: subset(300, 80, 0.001), v2: subset(100, 200, 0.003) });
    expect(aggregate(o)).toEqual({
      rps: 400,
      p95Ms: (300 * 40 + 100 * 100) / 400,
      p99Ms: (300 * 80 + 100 * 200) / 400,
      errorRatio: (300 * 0.001 + 100 * 0.003) / 400,
    });
    const terms = reward(o, { p99LatencyMs: 100, errorRate: 0.001, latencyWeight: 2, errorWeight: 1 });
    // p99 110 ms over 100: f = -ln 1.1, x2; errors 0.0015 over 0.001: g = 1.5.
    expect(terms?.latency).toBeCloseTo(-2 * Math.log(1.1), 10);
    expect(terms?.errors).toBeCloseTo(-1.5, 10);
    expect(terms?.cost).toBe(0);
    expect(terms?.total).toBeCloseTo(-2 * Math.log(1.1) - 1.5, 10);
  });

  it("charges cost above the cheapest subset when asked to", () => {
    const o = observation({ v1: subset(100, 50, 0), v2: subset(100, 50, 0) });
    const terms = reward(o, {
      p99LatencyMs: 100,
      errorRate: 0.001,
      costWeight: 1,
      subsetCost: { v1: 1, v2: 3 },
    });
    expect(terms?.cost).toBeCloseTo(-1, 10); // half the traffic at 3x: 0.5 * 2
  });

  it("gives no reward for an interval that measured nothing", () => {
    expect(
      reward(observation({ v1: subset(0, undefined, undefined) }), { p99LatencyMs: 100, errorRate: 0.001 }),
    ).toBeUndefined();
    expect(
      reward(
        { ...observation({ v1: subset(10, 50, 0) }), stale: true },
        { p99LatencyMs: 100, errorRate: 0.001 },
      ),
    ).toBeUndefined();
  });
});
