/**
 * The simulator's dynamic features, checked through whole runs: faults, outlier detection,
 * closed-loop clients, the peers, interval telemetry and the hook a policy decides through.
 */
import type { Observation } from "../metrics/observation.js";
import { type SimulationConfig, simulate } from "./engine.js";
import { ENVOY_OUTLIER_DEFAULTS } from "./model.js";

const fleet = (n: number, overrides: Partial<SimulationConfig> = {}): SimulationConfig => ({
  seed: 5,
  durationMs: 60_000,
  warmupMs: 5_000,
  replicas: Array.from({ length: n }, () => ({
    subset: "v1",
    slots: 4,
    serviceTime: { kind: "exponential", meanMs: 10 } as const,
  })),
  arrivals: { kind: "poisson", rps: n * 4 * 100 * 0.7 }, // 70% utilization
  routing: { algorithm: "ROUND_ROBIN", weights: { v1: 100 } },
  ...overrides,
});

describe("faults", () => {
  const brownout = (algorithm: SimulationConfig["routing"]["algorithm"]) =>
    simulate(
      fleet(8, {
        routing: { algorithm, weights: { v1: 100 } },
        faults: [{ kind: "brownout", replica: 0, factor: 10, fromMs: 10_000, toMs: 50_000 }],
      }),
    );

  it("a brownout hurts round robin's tail; peak EWMA and the oracle route around it", () => {
    const rr = brownout("ROUND_ROBIN");
    const ewma = brownout("PEAK_EWMA");
    const oracle = brownout("ORACLE");
    expect(rr.p99Ms).toBeGreaterThan(5 * oracle.p99Ms);
    expect(ewma.p99Ms).toBeLessThan(rr.p99Ms / 2);
    expect(oracle.p99Ms).toBeLessThanOrEqual(ewma.p99Ms);
  });

  it("a crashed replica fails its share of requests at once; outlier detection ejects it", () => {
    const crash = { kind: "crash", replica: 0, fromMs: 0, toMs: 60_000 } as const;
    const plain = simulate(fleet(4, { faults: [crash] }));
    expect(plain.errors / plain.completed).toBeCloseTo(0.25, 2);
    const detected = simulate(
      fleet(4, {
        faults: [crash],
        routing: { algorithm: "ROUND_ROBIN", weights: { v1: 100 }, outlierDetection: ENVOY_OUTLIER_DEFAULTS },
      }),
    );
    expect(detected.errors / detected.completed).toBeLessThan(0.01);
  });

  it("an error burst raises errors only on its replica and only in its window", () => {
    const burst = simulate(
      fleet(4, {
        faults: [{ kind: "error-burst", replica: 1, probability: 0.5, fromMs: 20_000, toMs: 30_000 }],
      }),
    );
    // A quarter of the traffic at 50% for 10 of the 55 measured seconds.
    expect(burst.errors / burst.completed).toBeCloseTo((0.25 * 0.5 * 10) / 55, 2);
  });

  it("speed flips make each replica six times faster half of the time", () => {
    const base = fleet(4, { arrivals: { kind: "poisson", rps: 200 } });
    const flipping = simulate({ ...base, faults: [{ kind: "speed-flip", periodMs: 1_000, fastFactor: 6 }] });
    const still = simulate(base);
    const meanUtil = (r: typeof still) => r.utilization.reduce((a, b) => a + b, 0) / r.utilization.length;
    // Busy time per request shrinks by E[1/speed] = (1 + 1/6) / 2.
    expect(meanUtil(flipping) / meanUtil(still)).toBeCloseTo((1 + 1 / 6) / 2, 1);
  });
});

describe("closed-loop clients", () => {
  it("follow the interactive response time law: throughput = users / (think + response)", () => {
    const r = simulate(fleet(10, { arrivals: undefined, clients: { users: 200, thinkMs: 90 } }));
    expect(Math.abs(r.throughputRps / (200 / ((90 + r.meanMs) / 1000)) - 1)).toBeLessThan(0.03);
  });
});

describe("telemetry and the policy hook", () => {
  const twoSubsets: SimulationConfig = {
    ...fleet(4),
    replicas: [...fleet(2).replicas, ...fleet(2).replicas.map((r) => ({ ...r, subset: "v2" }))],
    // Two 4-slot replicas at 10 ms serve 800 rps; 600 keeps v1 at 75% on its own.
    arrivals: { kind: "poisson", rps: 600 },
    routing: { algorithm: "LEAST_REQUEST", weights: { v1: 100, v2: 0 } },
    controlIntervalMs: 5_000,
  };

  it("reports each interval per subset and replica, and leaves unmeasurable figures undefined", () => {
    const seen: Observation[] = [];
    simulate(twoSubsets, { onInterval: (o) => void seen.push(o) });
    expect(seen).toHaveLength(12);
    const o = seen[3];
    expect(o.atMs).toBe(20_000);
    expect(Object.keys(o.subsets)).toEqual(["v1", "v2"]);
    expect(o.subsets.v1.rps).toBeCloseTo(600, -2);
    expect(o.subsets.v1.p99Ms).toBeGreaterThan(o.subsets.v1.p50Ms as number);
    expect(o.subsets.v1.cpuUtilization).toBeCloseTo((600 * 10) / 1000 / 8, 1);
    expect(o.subsets.v2).toEqual({
      replicas: 2,
      rps: 0,
      errorRatio: undefined,
      p50Ms: undefined,
      p95Ms: undefined,
      p99Ms: undefined,
      cpuUtilization: 0,
    });
    expect(Object.keys(o.replicas)).toEqual(["v1-0", "v1-1", "v2-0", "v2-1"]);
  });

  it("applies the routing a policy returns", () => {
    const seen: Observation[] = [];
    simulate(twoSubsets, {
      onInterval: (o, routing) => {
        seen.push(o);
        return o.atMs === 30_000 ? { ...routing, weights: { v1: 50, v2: 50 } } : undefined;
      },
    });
    expect(seen[4].subsets.v2.rps).toBe(0);
    expect(seen[8].subsets.v2.rps).toBeCloseTo(300, -2);
  });
});
