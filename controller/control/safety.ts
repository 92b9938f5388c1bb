/**
 * The safety settings the control step applies around every policy, with their defaults, and
 * the two checks on telemetry and load that sit between a policy's proposal and the routing.
 */
import type { Observation } from "../metrics/observation.js";
import type { RoutingKnobs } from "../policy/policy.js";
import { DEFAULT_LANE_LIMITS, type LaneLimits } from "./lane-bound.js";
import { DEFAULT_ROLLBACK, type RollbackOptions } from "./rollback.js";

export interface SafetySettings {
  /** Stale intervals in a row before the routing Git declared is restored. @default 3 */
  readonly staleLimit: number;
  /** How a change is watched and when it is rolled back. @default 3 intervals, 1.5x */
  readonly rollback: RollbackOptions;
  /**
   * No hedging at or above this mean CPU utilization: hedges add load, and near saturation that
   * load raises latency, which triggers more hedges. @default 0.85
   */
  readonly maxHedgeUtilization: number;
  /**
   * Hedging that makes the servers do more than this much extra work (tries per request, minus
   * one) is switched off, and stays off for the cooldown. @default 0.05
   */
  readonly maxHedgeExtraLoad: number;
  /** How far the quarantine lane may go. */
  readonly lanes: LaneLimits;
}

export const DEFAULT_SAFETY: SafetySettings = {
  staleLimit: 3,
  rollback: DEFAULT_ROLLBACK,
  maxHedgeUtilization: 0.85,
  maxHedgeExtraLoad: 0.05,
  lanes: DEFAULT_LANE_LIMITS,
};

/**
 * Why the observation cannot support a change, or undefined when it can. Partial telemetry is a
 * subset that carries traffic in the routing but is missing from the observation: deciding
 * without it would judge the subsets on different evidence.
 */
export function telemetryProblem(observation: Observation, live: RoutingKnobs): string | undefined {
  if (observation.stale) return "telemetry is stale";
  const missing = Object.keys(live.weights)
    .filter((s) => live.weights[s] > 0 && observation.subsets[s] === undefined)
    .sort();
  if (missing.length > 0) return `telemetry is partial: no figures for ${missing.join(", ")}`;
  return undefined;
}

/** Request-weighted mean CPU utilization across subsets; undefined when unknown. */
export function meanUtilization(observation: Observation): number | undefined {
  let sum = 0;
  let weight = 0;
  for (const s of Object.values(observation.subsets)) {
    if (s.cpuUtilization === undefined) continue;
    sum += s.cpuUtilization * Math.max(s.replicas, 1);
    weight += Math.max(s.replicas, 1);
  }
  return weight > 0 ? sum / weight : undefined;
}

export interface HedgeCapInput {
  readonly proposed: RoutingKnobs;
  /** The routing in force: whether hedging is on now, so its measured extra load is its own. */
  readonly live: RoutingKnobs;
  readonly observation: Observation;
  readonly hedgingAllowed: boolean;
  readonly safety: Pick<SafetySettings, "maxHedgeUtilization" | "maxHedgeExtraLoad">;
  /** Hedging was switched off for its extra load and may not come back before this. */
  readonly heldUntilMs?: number;
  readonly nowMs: number;
}

/**
 * Takes hedging out of a proposal when the route may not be hedged, the fleet cannot pay for the
 * extra load, hedging in force already costs more than the cap, or it was switched off for that
 * within the hold; returns the routing, why, and whether the extra-load rule fired now.
 */
export function capHedging(input: HedgeCapInput): {
  routing: RoutingKnobs;
  note?: string;
  tripped?: boolean;
} {
  const { proposed, observation, safety } = input;
  // Hedges and retried per-try timeouts are both duplicate work the servers pay for: one set of rules.
  const duplicating = (k: RoutingKnobs) => Boolean(k.retries?.hedge || k.retries?.onTimeout);
  if (!duplicating(proposed)) return { routing: proposed };
  const { retries: _dropped, ...rest } = proposed;
  const what = proposed.retries?.hedge ? "Hedging" : "Per-try timeout retries";
  if (!input.hedgingAllowed)
    return {
      routing: rest,
      note: proposed.retries?.hedge
        ? "Hedging removed: the intent does not allow it (non-idempotent route)."
        : "Per-try timeout retries removed: the intent does not allow replaying requests.",
    };
  const cpu = meanUtilization(observation);
  if (cpu !== undefined && cpu >= safety.maxHedgeUtilization)
    return {
      routing: rest,
      note: `${what} removed: CPU at ${(cpu * 100).toFixed(0)}%, at or above the ${(safety.maxHedgeUtilization * 100).toFixed(0)}% cap.`,
    };
  const extra = observation.extraLoad;
  const cap = `${(safety.maxHedgeExtraLoad * 100).toFixed(0)}%`;
  if (duplicating(input.live) && extra !== undefined && extra > safety.maxHedgeExtraLoad)
    return {
      routing: rest,
      tripped: true,
      note: `${what} removed: it adds ${(extra * 100).toFixed(1)}% load, over the ${cap} cap.`,
    };
  if (input.heldUntilMs !== undefined && input.nowMs < input.heldUntilMs)
    return {
      routing: rest,
      note: `${what} held off for ${Math.ceil((input.heldUntilMs - input.nowMs) / 1000)} s more: it went over the ${cap} extra-load cap.`,
    };
  return { routing: proposed };
}
