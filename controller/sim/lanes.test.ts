/** The per-replica levers in the simulator: the quarantine lane, its mirrored probes, and least-request's choice count. */
import { describe, expect, test } from "@jest/globals";
import { type SimulationConfig, simulate, steppedSimulation } from "./engine.js";

const fleet = (routing: Partial<SimulationConfig["routing"]> = {}): SimulationConfig => ({
  seed: 5,
  durationMs: 60_000,
  replicas: Array.from({ length: 4 }, () => ({
    subset: "v1",
    slots: 2,
    serviceTime: { kind: "exponential", meanMs: 10 } as const,
  })),
  arrivals: { kind: "poisson", rps: 200 },
  routing: { algorithm: "LEAST_REQUEST", weights: { v1: 100 }, ...routing },
  controlIntervalMs: 10_000,
});

describe("the quarantine lane", () => {
  test("a pod in the lane gets only mirrored probes: no client waits on it, and they count as extra load", () => {
    const sim = steppedSimulation(fleet({ lane: { quarantined: ["v1-2"], probePercent: 2 } }));
    sim.advanceTo(60_000);
    const o = sim.lastObservation;
    const lane = o?.replicas["v1-2"];
    // 2% of 200 rps mirrored to it; the other three share every client request.
    expect(lane?.rps).toBeGreaterThan(2);
    expect(lane?.rps).toBeLessThan(6);
    expect(o?.replicas["v1-0"].rps).toBeGreaterThan(60);
    const r = sim.result();
    expect(r.extraLoad).toBeGreaterThan(0.01);
    expect(r.extraLoad).toBeLessThan(0.03);
    // Its version's figures leave it out: their tries are the clients' requests alone.
    expect(o?.subsets.v1.rps).toBeCloseTo(o ? 200 : 0, -1);
  });

  test("no probes: the pod serves nothing at all; an empty lane changes nothing", () => {
    const none = simulate(fleet({ lane: { quarantined: ["v1-2"], probePercent: 0 } }));
    expect(none.utilization[2]).toBe(0);
    expect(none.extraLoad).toBe(0);
    expect(simulate(fleet({ lane: { quarantined: [], probePercent: 5 } }))).toEqual(simulate(fleet()));
  });

  test("a subset is never left without hosts, whatever the routing says", () => {
    const all = simulate(fleet({ lane: { quarantined: ["v1-0", "v1-1", "v1-2", "v1-3"], probePercent: 1 } }));
    expect(all.completed).toBeGreaterThan(10_000);
    expect(all.errors).toBe(0);
  });
});

describe("least-request's choices", () => {
  test("more choices, then a full scan, cut the tail that two choices leave", () => {
    const p99 = (leastRequest?: SimulationConfig["routing"]["leastRequest"]) =>
      simulate({ ...fleet({ leastRequest }), arrivals: { kind: "poisson", rps: 700 } }).p99Ms;
    const two = p99();
    const four = p99({ choiceCount: 4 });
    const scan = p99({ choiceCount: 2, fullScan: true });
    expect(four).toBeLessThan(two);
    expect(scan).toBeLessThanOrEqual(four * 1.05);
    // Two choices written out are Envoy's default, draw for draw.
    expect(simulate(fleet({ leastRequest: { choiceCount: 2 } }))).toEqual(simulate(fleet()));
  });
});
