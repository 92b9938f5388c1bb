/**
 * How a rollout runs in the control step, the same in the controller and in the simulator: its
 * guardrails, its safety rules, the window it reads, and its status.
 */

import type { ResolvedIntentSpec } from "../../api/intent/schema.js";
import { ENVOY_SCRAPE_INTERVAL_SECONDS } from "../../api/optimizer.js";
import { DEFAULT_SAFETY, type SafetySettings } from "../control/safety.js";
import type { RolloutSettings, RolloutState } from "./rollout-policy.js";

/** A rollout moves weight from 0 to 100 and back at once: its own tests pace it, not the optimizer's step limits. */
export const ROLLOUT_GUARDRAILS = { minWeight: 0, maxStep: 100, cooldownMs: 0, total: 100 } as const;

/**
 * The rollout's abort test replaces the control step's probation rollback (which would move the
 * weight under the rollout's feet); the kill switch, pause and stale-telemetry rules stay.
 */
export function rolloutSafety(safety: SafetySettings = DEFAULT_SAFETY): SafetySettings {
  return { ...safety, rollback: { intervals: Number.MAX_SAFE_INTEGER, tolerance: Number.POSITIVE_INFINITY } };
}

/** Two scrapes: the shortest window rate() can read, so each weight is judged as soon as it can be. */
export const ROLLOUT_WINDOW_MS = 2 * ENVOY_SCRAPE_INTERVAL_SECONDS * 1000;

/** How long istiod takes to push a routing change to the proxies, as the simulator models it. */
export const ROUTING_PROPAGATION_MS = 3000;

type Rollout = NonNullable<ResolvedIntentSpec["rollout"]>;

export function rolloutSettingsOf(rollout: Rollout, intervalMs: number): RolloutSettings {
  return {
    stable: rollout.stable,
    canary: rollout.canary,
    exposureBudgetPercentMinutes: rollout.exposureBudgetPercentMinutes,
    deadlineMs: rollout.deadlineMinutes * 60_000,
    gates: rollout.gates,
    approvedGates: rollout.approvedGates,
    propagationMs: ROUTING_PROPAGATION_MS,
    intervalMs,
  };
}

/**
 * The policy identity of a rollout: a new stable/canary pair, or a new canary image (each release
 * names its own), starts a new rollout from the live routing.
 */
export function rolloutPolicyName(rollout: Rollout): string {
  const image = rollout.canaryImage ? `@${rollout.canaryImage}` : "";
  return `rollout:${rollout.stable}->${rollout.canary}${image}`;
}

export interface RolloutStatus {
  readonly phase: RolloutState["phase"];
  readonly canaryWeight: number;
  readonly startedAt?: string;
  readonly reason: string;
  readonly exposurePercentMinutes: number;
  readonly evidence: readonly Record<string, unknown>[];
  readonly gitChange?: { readonly subset: string; readonly image?: string; readonly message: string };
}

const round = (n: number | undefined, digits = 4) =>
  n === undefined ? undefined : Number(n.toFixed(digits));

export function rolloutStatus(state: RolloutState, rollout: Rollout): RolloutStatus {
  return {
    phase: state.phase,
    canaryWeight: state.weight,
    startedAt: state.startedMs === undefined ? undefined : new Date(state.startedMs).toISOString(),
    reason: state.reason,
    exposurePercentMinutes: Math.round(state.exposurePercentMs / 600) / 100,
    evidence: state.evidence.map((e) => ({
      at: new Date(e.atMs).toISOString(),
      weight: e.weight,
      canaryP99Ms: round(e.canaryP99Ms, 1),
      stableP99Ms: round(e.stableP99Ms, 1),
      canaryErrorRatio: round(e.canaryErrorRatio),
      stableErrorRatio: round(e.stableErrorRatio),
      errorsWorse: round(e.errorsWorse, 3),
      latencyLlr: round(e.latencyLlr, 3),
      verdict: e.verdict,
    })),
    gitChange:
      state.phase === "Promoted"
        ? {
            subset: rollout.stable,
            image: rollout.canaryImage,
            message: rollout.canaryImage
              ? `Pin ${rollout.canaryImage} for the ${rollout.stable} subset in Git, then remove spec.rollout: the routing returns to ${rollout.stable}, now running the new version.`
              : `Pin the ${rollout.canary} subset's image for the ${rollout.stable} subset in Git, then remove spec.rollout.`,
          }
        : undefined,
  };
}
