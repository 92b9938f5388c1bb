import { describe, expect, test } from "@jest/globals";
import type { Observation } from "../metrics/observation.js";
import { describeChange, eventMessage } from "./explain.js";

const from = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 50, v2: 50 } };
const o = (v2p99: number, v2errors = 0): Observation => ({
  atMs: 0,
  windowMs: 60_000,
  subsets: {
    v1: { rps: 50, errorRatio: 0, p50Ms: 10, p95Ms: 20, p99Ms: 40, cpuUtilization: 0.5, replicas: 2 },
    v2: {
      rps: 50,
      errorRatio: v2errors,
      p50Ms: 10,
      p95Ms: 20,
      p99Ms: v2p99,
      cpuUtilization: 0.5,
      replicas: 2,
    },
  },
  replicas: {},
  stale: false,
});

describe("explanations", () => {
  test("a change in words: weights moved, load balancer, outlier detection, hedging", () => {
    expect(describeChange(from, from)).toEqual([]);
    expect(
      describeChange(from, {
        algorithm: "ROUND_ROBIN",
        weights: { v1: 60, v2: 40 },
        outlierDetection: {
          consecutive5xxErrors: 5,
          intervalMs: 10_000,
          baseEjectionTimeMs: 30_000,
          maxEjectionPercent: 10,
        },
        retries: { attempts: 1, perTryTimeoutMs: 25, hedge: true },
      }),
    ).toEqual([
      "moved 10% from v2 to v1",
      "load balancer LEAST_REQUEST -> ROUND_ROBIN",
      "outlier detection on",
      "hedging after 25 ms",
    ]);
  });

  test("an Event says what changed and which subsets are outside the SLO", () => {
    const to = { ...from, weights: { v1: 60, v2: 40 } };
    const objectives = { p99LatencyMs: 100, errorRate: 0.001 };
    expect(eventMessage(from, to, o(240, 0.01), objectives)).toBe(
      "moved 10% from v2 to v1: v2 p99 240 ms > SLO 100 ms, v2 errors 1.00% > budget 0.10%",
    );
    expect(eventMessage(from, from, o(50), objectives)).toBe(
      "no change: every subset within SLO (p99 100 ms, errors 0.10%)",
    );
  });
});
