import { describe, expect, test } from "@jest/globals";
import { UnknownNameError } from "../unknown-name-error.js";
import { NoopActuator } from "./actuator.js";
import { createActuator } from "./actuator-factory.js";

describe("the Actuator factory", () => {
  test("noop writes nothing and says so", async () => {
    const noop = createActuator("noop", {});
    expect(noop).toBeInstanceOf(NoopActuator);
    const routing = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 60, v2: 40 } };
    const target = {
      namespace: "shop",
      host: "h",
      virtualService: "v",
      destinationRule: "d",
      name: "n",
      port: 80,
    };
    expect(
      await noop.apply(target, routing, routing, { minWeight: 5, maxStep: 10, total: 100 }),
    ).toMatchObject({
      ok: false,
      writes: 0,
      error: expect.stringMatching(/shadow mode/),
    });
  });

  test("never falls back: an unknown name, or a missing dependency, throws", () => {
    expect(() => createActuator("isito", {})).toThrow(UnknownNameError);
    expect(() => createActuator("isito", {})).toThrow(
      "ACTUATOR: unknown name 'isito'; valid names are istio, simulator, noop",
    );
    expect(() => createActuator("istio", {})).toThrow("ACTUATOR: 'istio' needs Kubernetes clients");
  });
});
