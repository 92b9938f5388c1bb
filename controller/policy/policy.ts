/**
 * The contract every Meshpilot policy meets, in the simulator and in the controller alike.
 *
 * A policy is pure: it reads an observation and its own state and returns a decision, an
 * explanation a human can read, and its next state. The clock and randomness come in through the
 * context, so a run is reproducible and a decision can be replayed.
 */

import type { GuardrailLimits } from "../../api/guardrail-limits.js";
import type { Random } from "../../common/random.js";
import type { Observation } from "../metrics/observation.js";
import type { RewardTerms } from "./reward.js";

/**
 * LEAST_REQUEST's tuning, which the DestinationRule does not expose: the actuator writes it as an
 * EnvoyFilter cluster patch (least_request_lb_config).
 */
export interface LeastRequestKnob {
  /** Hosts drawn, with replacement, per pick (Envoy's default is 2). */
  readonly choiceCount: number;
  /** Scan every host instead of drawing (Envoy's selection_method FULL_SCAN): join-shortest-queue. */
  readonly fullScan?: boolean;
  /**
   * How strongly active requests lower a host's effective weight (Envoy's default 1). It only acts
   * when hosts' weights differ, which they do not within a subset, so the simulator ignores it.
   */
  readonly activeRequestBias?: number;
}

/**
 * The quarantine lane: pods taken out of their subset by one pod label (their subset's selector
 * requires the serving value), and the share of requests mirrored to them, so that their
 * telemetry shows when they have recovered without any client waiting on them.
 */
export interface LaneKnob {
  /**
   * Pod names. A policy lists them in order of preference; the control step keeps those already
   * in the lane first when it bounds the lane, and hands the actuator the list sorted.
   */
  readonly quarantined: readonly string[];
  /** Percent of requests mirrored to the lane; 0 for routes that may not be replayed. */
  readonly probePercent: number;
}

/** Routing knobs the production actuator can set (Istio VirtualService and DestinationRule fields). */
export interface RoutingKnobs {
  readonly algorithm: "ROUND_ROBIN" | "RANDOM" | "LEAST_REQUEST";
  /** Integer subset weights summing to 100. */
  readonly weights: Readonly<Record<string, number>>;
  readonly outlierDetection?: {
    readonly consecutive5xxErrors: number;
    readonly intervalMs: number;
    readonly baseEjectionTimeMs: number;
    readonly maxEjectionPercent: number;
  };
  /** Retries, or hedging when `hedge` is set (Envoy's hedge_on_per_try_timeout through an EnvoyFilter). */
  readonly retries?: {
    readonly attempts: number;
    readonly perTryTimeoutMs: number;
    readonly hedge?: boolean;
    readonly retryOnError?: boolean;
    /**
     * A try that reaches its timeout is abandoned and retried on another host (Envoy's retry_on
     * `reset`, which covers a read timeout): the per-try timeout as an ejection lever, with
     * outlier detection counting the timeouts. Replays requests, like hedging.
     */
    readonly onTimeout?: boolean;
  };
  /** Only read with LEAST_REQUEST. */
  readonly leastRequest?: LeastRequestKnob;
  /** Absent or empty: every pod serves. */
  readonly lane?: LaneKnob;
}

/** What the operator asked for: the objectives and how much each matters. */
export interface Objectives {
  readonly p99LatencyMs: number;
  /** Error-rate budget as a fraction. */
  readonly errorRate: number;
  /** @default 1 */
  readonly latencyWeight?: number;
  /** @default 1 */
  readonly errorWeight?: number;
  /** @default 0 */
  readonly costWeight?: number;
  /** Relative cost per subset (per request served); only read when costWeight > 0. */
  readonly subsetCost?: Readonly<Record<string, number>>;
}

export interface PolicyContext {
  readonly nowMs: number;
  readonly random: Random;
  /** The routing in force, as the actuator reads it. */
  readonly current: RoutingKnobs;
  readonly objectives: Objectives;
  readonly guardrails: GuardrailLimits;
  /** Whether hedging is allowed (only for idempotent routes). */
  readonly hedgingAllowed: boolean;
  /** When routing last changed. */
  readonly lastChangeMs?: number;
}

export interface Decision {
  /** The routing the policy wants; equal to `current` when it holds. */
  readonly routing: RoutingKnobs;
  /** One or two sentences: what it saw, what it chose, why. */
  readonly explanation: string;
  readonly reward?: RewardTerms;
}

export interface Policy<State> {
  readonly name: string;
  initialState(subsets: readonly string[]): State;
  /**
   * Proposes routing: weights are any non-negative shares (the control step turns them into
   * guarded integer weights), and the other knobs as the policy wants them.
   */
  decide(observation: Observation, state: State, ctx: PolicyContext): { decision: Decision; state: State };
  /**
   * The state to keep when the decision was not applied (observe, recommend, a failed write): a
   * learner must then credit what follows to the routing that stayed, not to what it proposed.
   * @default the state decide() returned
   */
  held?(state: State): State;
}
