import { describe, expect, test } from "@jest/globals";
import { ScriptedTelemetry } from "../testbed/scripted-telemetry.js";
import { UnknownNameError } from "../unknown-name-error.js";
import { PrometheusSource } from "./prometheus.js";
import { createMetricsSource } from "./source-factory.js";

describe("the MetricsSource factory", () => {
  test("builds each source from its dependencies", () => {
    expect(createMetricsSource("prometheus", { prometheus: { url: "http://127.0.0.1:9" } })).toBeInstanceOf(
      PrometheusSource,
    );
    expect(createMetricsSource("scripted", { script: () => undefined })).toBeInstanceOf(ScriptedTelemetry);
  });

  test("never falls back: an unknown name, or a missing dependency, throws", () => {
    expect(() => createMetricsSource("promethus", {})).toThrow(UnknownNameError);
    expect(() => createMetricsSource("promethus", {})).toThrow(
      "METRICS_SOURCE: unknown name 'promethus'; valid names are prometheus, simulator, scripted",
    );
    expect(() => createMetricsSource("simulator", {})).toThrow(
      "METRICS_SOURCE: 'simulator' needs a simulation",
    );
  });
});
