/**
 * The simulator's Actuator. Like the Istio one, a write changes the declared routing at once
 * (the VirtualService holds it as soon as the API server answers), but the proxies follow only
 * after the propagation delay, as Envoy does after istiod's debounce and the xDS push.
 */
import type { ActOutcome, Actuator } from "../actuator/actuator.js";
import type { RoutingKnobs } from "../policy/policy.js";
import type { SteppedSimulation } from "./engine.js";
import type { Routing } from "./model.js";

const ENVOY_ALGORITHMS = ["ROUND_ROBIN", "RANDOM", "LEAST_REQUEST"];

/** The knobs the production actuator can set, read from the simulator's routing. */
export function knobsOf(routing: Routing): RoutingKnobs {
  if (!ENVOY_ALGORITHMS.includes(routing.algorithm)) {
    throw new Error(
      `policies act through Envoy's algorithms only; '${routing.algorithm}' is a simulator-only peer`,
    );
  }
  return { ...routing, algorithm: routing.algorithm as RoutingKnobs["algorithm"] };
}

export class SimulatedActuator implements Actuator {
  readonly writes = true;
  /** The routing the API holds: what the controller reads back, ahead of the proxies. */
  declared: RoutingKnobs;
  private readonly original: RoutingKnobs;

  constructor(
    private readonly sim: SteppedSimulation,
    private readonly propagationDelayMs: number,
  ) {
    this.declared = knobsOf(sim.routing);
    this.original = this.declared;
  }

  async apply(_target: unknown, _from: RoutingKnobs, to: RoutingKnobs): Promise<ActOutcome> {
    this.declared = to;
    this.sim.route(to, this.propagationDelayMs);
    return { ok: true, writes: 1 };
  }

  async restore(): Promise<ActOutcome> {
    return this.apply(undefined, this.declared, this.original);
  }
}
