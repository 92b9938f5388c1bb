import { describe, expect, test } from "@jest/globals";
import { steppedSimulation } from "./engine.js";
import { SimulatedActuator } from "./sim-actuator.js";

describe("the simulator's actuator", () => {
  test("a routing change reaches the proxies after the propagation delay, while the API holds it at once", () => {
    const sim = steppedSimulation({
      seed: 2,
      durationMs: 20_000,
      replicas: [
        { subset: "v1", slots: 4, serviceTime: { kind: "deterministic", ms: 20 } },
        { subset: "v2", slots: 4, serviceTime: { kind: "deterministic", ms: 20 } },
      ],
      arrivals: { kind: "uniform", rps: 100 },
      routing: { algorithm: "ROUND_ROBIN", weights: { v1: 50, v2: 50 } },
    });
    const actuator = new SimulatedActuator(sim, 3000);
    sim.advanceTo(10_000);
    void actuator.apply(undefined, actuator.declared, { ...actuator.declared, weights: { v1: 100, v2: 0 } });
    expect(actuator.declared.weights).toEqual({ v1: 100, v2: 0 });
    sim.advanceTo(12_000);
    expect(sim.routing.weights).toEqual({ v1: 50, v2: 50 });
    sim.advanceTo(13_000);
    expect(sim.routing.weights).toEqual({ v1: 100, v2: 0 });
  });
});
