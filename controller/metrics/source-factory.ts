/**
 * The one factory for MetricsSource: a name picks the implementation, and an unknown name, or a
 * name whose dependencies were not given, throws. It never falls back to Prometheus.
 */
import type { SteppedSimulation } from "../sim/engine.js";
import { type Percentiles, SimulatedMetrics } from "../sim/sim-metrics.js";
import { type Script, ScriptedTelemetry } from "../testbed/scripted-telemetry.js";
import { UnknownNameError } from "../unknown-name-error.js";
import { type PrometheusOptions, PrometheusSource } from "./prometheus.js";
import { METRICS_SOURCES, type MetricsSource } from "./source.js";

export interface MetricsSourceDeps {
  readonly prometheus?: PrometheusOptions;
  readonly simulation?: { readonly sim: SteppedSimulation; readonly percentiles: Percentiles };
  readonly script?: Script;
}

export function createMetricsSource(
  name: string,
  deps: MetricsSourceDeps,
  setting = "METRICS_SOURCE",
): MetricsSource {
  const need = <T>(dep: T | undefined, what: string): T => {
    if (dep === undefined) throw new Error(`${setting}: '${name}' needs ${what}`);
    return dep;
  };
  switch (name as (typeof METRICS_SOURCES)[number]) {
    case "prometheus":
      return new PrometheusSource(need(deps.prometheus, "a Prometheus URL"));
    case "simulator": {
      const s = need(deps.simulation, "a simulation");
      return new SimulatedMetrics(s.sim, s.percentiles);
    }
    case "scripted":
      return new ScriptedTelemetry(need(deps.script, "a script"));
    default:
      throw new UnknownNameError(setting, name, METRICS_SOURCES);
  }
}
