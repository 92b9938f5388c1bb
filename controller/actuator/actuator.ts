/**
 * The Actuator port: apply a decision's routing, or put back the routing in force before
 * Meshpilot's first write. Istio through the Kubernetes API in the cluster; the simulator's
 * proxies, after a propagation delay, in the bench; nothing at all in shadow mode.
 */
import type { GuardrailLimits } from "../../api/guardrail-limits.js";
import type { RoutingKnobs } from "../policy/policy.js";
import type { OriginalRouting } from "./live-routing.js";

export interface Target {
  readonly namespace: string;
  readonly host: string;
  readonly virtualService: string;
  readonly destinationRule: string;
  /** The intent's name, which names the hedging EnvoyFilter. */
  readonly name: string;
  /** The service port, which names Envoy's virtual host for the hedging filter. */
  readonly port: number;
}

export type ActOutcome =
  | { readonly ok: true; readonly writes: number }
  | { readonly ok: false; readonly error: string; readonly writes: number; readonly restored: boolean };

export interface Actuator {
  /**
   * False for an actuator that never writes (shadow mode): the runner then decides as a follower
   * does, explaining what it would write, instead of calling apply and reporting a failure.
   */
  readonly writes: boolean;
  /** Writes `to` where it differs from `from`, which must be the routing the decision saw. */
  apply(
    target: Target,
    from: RoutingKnobs,
    to: RoutingKnobs,
    limits: Pick<GuardrailLimits, "minWeight" | "maxStep" | "total">,
  ): Promise<ActOutcome>;
  /**
   * Puts back the routing found before Meshpilot first wrote; `written`, what it wrote last, names
   * the pods of its quarantine lane, which go back to their subsets.
   */
  restore(target: Target, original: OriginalRouting, written?: RoutingKnobs): Promise<ActOutcome>;
}

export const ACTUATORS = ["istio", "simulator", "noop"] as const;

/** Shadow mode: writes nothing. Runners see `writes: false` and never call it; if one does, it says so. */
export class NoopActuator implements Actuator {
  readonly writes = false;
  readonly skipped: { target: Target; to?: RoutingKnobs }[] = [];

  async apply(target: Target, _from: RoutingKnobs, to: RoutingKnobs): Promise<ActOutcome> {
    this.skipped.push({ target, to });
    return { ok: false, error: "the no-op actuator writes nothing (shadow mode)", writes: 0, restored: true };
  }

  async restore(target: Target): Promise<ActOutcome> {
    this.skipped.push({ target });
    return { ok: false, error: "the no-op actuator writes nothing (shadow mode)", writes: 0, restored: true };
  }
}
