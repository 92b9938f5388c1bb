/**
 * The one factory for Actuator: Istio through the Kubernetes API, the simulator's proxies, or
 * nothing at all (shadow mode). An unknown name, or one whose dependencies were not given, throws.
 */
import type { KubernetesObjectApi } from "@kubernetes/client-node";
import type { SteppedSimulation } from "../sim/engine.js";
import { SimulatedActuator } from "../sim/sim-actuator.js";
import { UnknownNameError } from "../unknown-name-error.js";
import { ACTUATORS, type Actuator, NoopActuator } from "./actuator.js";
import { type ActuatorOptions, IstioActuator } from "./istio-actuator.js";

export interface ActuatorDeps {
  readonly istio?: { readonly api: KubernetesObjectApi; readonly options: ActuatorOptions };
  readonly simulation?: { readonly sim: SteppedSimulation; readonly propagationDelayMs: number };
}

export function createActuator(name: string, deps: ActuatorDeps, setting = "ACTUATOR"): Actuator {
  const need = <T>(dep: T | undefined, what: string): T => {
    if (dep === undefined) throw new Error(`${setting}: '${name}' needs ${what}`);
    return dep;
  };
  switch (name as (typeof ACTUATORS)[number]) {
    case "istio": {
      const istio = need(deps.istio, "Kubernetes clients");
      return new IstioActuator(istio.api, istio.options);
    }
    case "simulator": {
      const s = need(deps.simulation, "a simulation");
      return new SimulatedActuator(s.sim, s.propagationDelayMs);
    }
    case "noop":
      return new NoopActuator();
    default:
      throw new UnknownNameError(setting, name, ACTUATORS);
  }
}
