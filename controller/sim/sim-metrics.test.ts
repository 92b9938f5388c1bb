/** The simulator's telemetry as production sees it: bucketed, windowed over scrapes, lagging the data plane. */
import { describe, expect, test } from "@jest/globals";
import type { SimulationConfig } from "./engine.js";
import { steppedSimulation } from "./engine.js";
import { observeScrapes, SimulatedMetrics } from "./sim-metrics.js";

const config = (overrides: Partial<SimulationConfig> = {}): SimulationConfig => ({
  seed: 2,
  durationMs: 200_000,
  replicas: [
    ...Array.from({ length: 2 }, () => ({
      subset: "v1",
      slots: 4,
      serviceTime: { kind: "deterministic", ms: 20 } as const,
    })),
    ...Array.from({ length: 2 }, () => ({
      subset: "v2",
      slots: 4,
      serviceTime: { kind: "deterministic", ms: 20 } as const,
    })),
  ],
  arrivals: { kind: "uniform", rps: 200 },
  routing: { algorithm: "ROUND_ROBIN", weights: { v1: 50, v2: 50 } },
  controlIntervalMs: 10_000,
  scrapeIntervalMs: 15_000,
  scrapeOffsetMs: 5_000,
  ...overrides,
});

describe("simulated Prometheus", () => {
  test("rates and quantiles come from scrapes: buckets' resolution, and nothing before two scrapes", () => {
    const sim = steppedSimulation(config());
    sim.advanceTo(10_000);
    // One scrape so far (at 5 s): no rate yet, so the observation is stale.
    expect(observeScrapes(sim.scrapes, 10_000, 60_000).stale).toBe(true);
    sim.advanceTo(100_000);
    const o = observeScrapes(sim.scrapes, 100_000, 60_000);
    expect(o.stale).toBe(false);
    // The split between subsets is random; the total is the uniform 200 rps.
    expect(o.subsets.v1.rps + o.subsets.v2.rps).toBeCloseTo(200, 0);
    // Every request takes 20 ms, in the (10, 25] bucket: PromQL interpolates inside it.
    expect(o.subsets.v1.p50Ms).toBeCloseTo(17.5, 5);
    expect(o.subsets.v1.p99Ms).toBeCloseTo(24.85, 5);
    expect(o.subsets.v1.cpuUtilization).toBeCloseTo((o.subsets.v1.rps * 0.02) / 8, 2);
    // Per pod, as the per-pod query groups them: the pods of a version add up to it.
    expect(Object.keys(o.replicas)).toEqual(["v1-0", "v1-1", "v2-0", "v2-1"]);
    expect(o.replicas["v1-0"].rps + o.replicas["v1-1"].rps).toBeCloseTo(o.subsets.v1.rps, 6);
    expect(o.replicas["v2-1"]).toMatchObject({ subset: "v2", p50Ms: 17.5 });
  });

  test("the observation lags the data plane: a brownout shows only from the next scrape", async () => {
    const sim = steppedSimulation(
      config({ faults: [{ kind: "brownout", replica: 2, factor: 5, fromMs: 95_000, toMs: 200_000 }] }),
    );
    const metrics = new SimulatedMetrics(sim, "buckets");
    const at = async (ms: number) => {
      sim.advanceTo(ms);
      return (await metrics.observe([{ host: "h", namespace: "n", app: "a" }], 60_000, ms)).observations.get(
        "h",
      );
    };
    // Scrapes at 5, 20, ..., 95 s: at 100 s the last scrape predates the brownout's effect.
    expect((await at(100_000))?.subsets.v2.p99Ms).toBeLessThan(25);
    expect((await at(120_000))?.subsets.v2.p99Ms).toBeGreaterThan(25);
  });

  test("extra load: tries the servers saw over requests the clients sent, as Istio's two reporters give it", async () => {
    const sim = steppedSimulation(
      config({
        routing: {
          algorithm: "ROUND_ROBIN",
          weights: { v1: 50, v2: 50 },
          retries: { attempts: 1, perTryTimeoutMs: 15, hedge: true },
        },
        replicas: Array.from({ length: 4 }, (_, i) => ({
          subset: i < 2 ? "v1" : "v2",
          slots: 4,
          serviceTime: { kind: "exponential", meanMs: 10 } as const,
        })),
      }),
    );
    sim.advanceTo(100_000);
    const o = observeScrapes(sim.scrapes, 100_000, 60_000);
    // Exponential 10 ms service: about e^-1.5 of tries outlast the 15 ms hedge delay.
    expect(o.extraLoad).toBeGreaterThan(0.15);
    expect(o.extraLoad).toBeLessThan(0.3);
  });

  test("a pod in the quarantine lane is reported alone and left out of its version's figures", () => {
    const sim = steppedSimulation(
      config({
        routing: {
          algorithm: "ROUND_ROBIN",
          weights: { v1: 50, v2: 50 },
          lane: { quarantined: ["v1-1"], probePercent: 5 },
        },
      }),
    );
    sim.advanceTo(100_000);
    const all = observeScrapes(sim.scrapes, 100_000, 60_000);
    const laned = observeScrapes(sim.scrapes, 100_000, 60_000, ["v1-1"]);
    // About 5% of 200 rps mirrored to v1-1; v1-0 takes v1's whole half of the clients' requests.
    expect(laned.replicas["v1-1"].rps).toBeCloseTo(10, -1);
    expect(laned.subsets.v1.rps).toBeCloseTo(laned.replicas["v1-0"].rps, 9);
    expect(all.subsets.v1.rps).toBeCloseTo(laned.subsets.v1.rps + laned.replicas["v1-1"].rps, 9);
    expect(laned.subsets.v1.replicas).toBe(2);
    // Extra load counts the probes either way.
    expect(laned.extraLoad).toBeCloseTo(0.05, 1);
  });
});
