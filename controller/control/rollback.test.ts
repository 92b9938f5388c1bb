import { describe, expect, test } from "@jest/globals";
import type { Observation } from "../metrics/observation.js";
import { badness, judge, startProbation } from "./rollback.js";

const objectives = { p99LatencyMs: 100, errorRate: 0.01 };
const stats = (p99Ms: number, errorRatio = 0) => ({
  rps: 100,
  errorRatio,
  p50Ms: p99Ms / 4,
  p95Ms: p99Ms / 2,
  p99Ms,
  cpuUtilization: 0.5,
  replicas: 2,
});
const observed = (v1: number, v2: number): Observation => ({
  atMs: 0,
  windowMs: 10_000,
  subsets: { v1: stats(v1), v2: stats(v2) },
  replicas: {},
  stale: false,
});
const even = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 50, v2: 50 } };
const toV1 = { ...even, weights: { v1: 60, v2: 40 } };

describe("rollback", () => {
  test("badness is the larger of p99 over its objective and errors over their budget", () => {
    expect(badness(stats(150), objectives)).toBe(1.5);
    expect(badness(stats(50, 0.03), objectives)).toBeCloseTo(3, 10);
    expect(badness(undefined, objectives)).toBeUndefined();
  });

  test("a weight change is judged on the subsets that gained traffic", () => {
    const p = startProbation(even, toV1, observed(80, 400), objectives);
    expect(p).toMatchObject({ gainers: ["v1"], before: 0.8, after: [] });
  });

  test("three intervals worse than before beyond the tolerance, and outside the SLO, roll back", () => {
    let p = startProbation(even, toV1, observed(80, 400), objectives);
    let verdict = judge(p as never, observed(300, 50), objectives);
    for (let i = 0; i < 2; i++) {
      expect(verdict.kind).toBe("watching");
      p = (verdict as unknown as { probation: typeof p }).probation;
      verdict = judge(p as never, observed(300, 50), objectives);
    }
    expect(verdict).toEqual({
      kind: "rollback",
      reason:
        "SLO 3.00x its objective on v1, which gained traffic over 3 intervals after the change, against 0.80x before",
    });
  });

  test("a change that stays within the SLO is kept, however much worse", () => {
    let verdict = judge(
      startProbation(even, toV1, observed(20, 400), objectives) as never,
      observed(90, 50),
      objectives,
    );
    for (let i = 0; i < 2; i++)
      verdict = judge((verdict as unknown as { probation: never }).probation, observed(90, 50), objectives);
    expect(verdict.kind).toBe("kept");
  });
});
