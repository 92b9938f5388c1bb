import { describe, expect, test } from "@jest/globals";
import { simulate } from "../engine.js";
import type { SimulationConfig } from "../model.js";
import { hotColdLexicographic, latencyAt } from "./prequal.js";

const fleet = (
  algorithm: SimulationConfig["routing"]["algorithm"],
  faults: SimulationConfig["faults"] = [],
) =>
  simulate({
    seed: 4,
    durationMs: 40_000,
    warmupMs: 5_000,
    replicas: Array.from({ length: 6 }, () => ({
      subset: "v1",
      slots: 4,
      serviceTime: { kind: "lognormal", meanMs: 20, cv: 1 } as const,
    })),
    arrivals: { kind: "poisson", rps: 900 },
    faults,
    routing: { algorithm, weights: { v1: 100 } },
  });

describe("Prequal", () => {
  test("hot-cold lexicographic: the lowest latency among cold probes, else the lowest RIF", () => {
    const probe = (rif: number, latencyMs: number) => ({ rif, latencyMs });
    const pool = [probe(1, 50), probe(2, 10), probe(9, 1), probe(3, 30)];
    expect(hotColdLexicographic(pool, 0.75)).toBe(pool[1]);
    const hot = [probe(5, 50), probe(5, 10), probe(6, 1)];
    expect(hotColdLexicographic(hot, 0.5)).toBe(hot[1]);
  });

  test("a server estimates latency from requests that arrived at its current load, or the nearest", () => {
    const byRif = new Map([
      [0, [10, 12, 11]],
      [4, [80, 90, 70]],
    ]);
    expect(latencyAt(byRif, 0)).toBe(11);
    expect(latencyAt(byRif, 5)).toBe(80);
    expect(latencyAt(byRif, 2)).toBe(11);
    expect(latencyAt(undefined, 3)).toBe(0);
  });

  test("steers around a browned-out replica as well as join-shortest-queue, far better than random", () => {
    const brownout = [{ kind: "brownout" as const, replica: 0, factor: 10, fromMs: 10_000, toMs: 40_000 }];
    const prequal = fleet("PREQUAL", brownout);
    expect(prequal.p99Ms).toBeLessThan(fleet("RANDOM", brownout).p99Ms / 3);
    expect(prequal.p99Ms).toBeLessThan(fleet("LEAST_REQUEST_FULL_SCAN", brownout).p99Ms * 1.2);
    // The slow replica gets far less than its even share of the work.
    expect(prequal.utilization[0]).toBeLessThan(1);
  });
});
