import { describe, expect, test } from "@jest/globals";
import { brownoutFleet } from "../../testbed/brownout-fleet.js";
import { simulate } from "../engine.js";
import type { SimulationConfig } from "../model.js";
import { hotColdLexicographic, latencyAt } from "./prequal.js";

const fleet = (
  algorithm: SimulationConfig["routing"]["algorithm"],
  brownout?: { fromMs: number; factor: number },
) =>
  simulate(
    brownoutFleet(
      { seed: 4, replicas: 6, rps: 900, durationMs: 40_000, algorithm, brownout },
      { warmupMs: 5_000 },
    ),
  );

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
    const brownout = { fromMs: 10_000, factor: 10 };
    const prequal = fleet("PREQUAL", brownout);
    expect(prequal.p99Ms).toBeLessThan(fleet("RANDOM", brownout).p99Ms / 3);
    expect(prequal.p99Ms).toBeLessThan(fleet("LEAST_REQUEST_FULL_SCAN", brownout).p99Ms * 1.2);
    // The slow replica gets far less than its even share of the work.
    expect(prequal.utilization[0]).toBeLessThan(1);
  });
});
