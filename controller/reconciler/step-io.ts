/**
 * What the reconciler puts around the control step: the step's settings read off a resolved
 * intent, and the Event a step's outcome earns.
 */
import type { GuardrailLimits } from "../../api/guardrail-limits.js";
import type { ResolvedIntentSpec } from "../../api/intent/schema.js";
import type { ActOutcome } from "../actuator/actuator.js";
import { eventMessage } from "../control/explain.js";
import type { SafetySettings } from "../control/safety.js";
import type { StepResult, StepSettings } from "../control/step.js";
import type { Observation } from "../metrics/observation.js";
import type { Objectives, RoutingKnobs } from "../policy/policy.js";

export interface EventSpec {
  readonly reason: string;
  readonly type: "Normal" | "Warning";
  /** @default the decision's explanation */
  readonly message?: string;
}

export function stepSettings(
  spec: ResolvedIntentSpec,
  safety: SafetySettings,
  laneUnavailable?: string,
): StepSettings {
  const guardrails: GuardrailLimits = {
    minWeight: spec.guardrails.minWeight,
    maxStep: spec.guardrails.maxStep,
    cooldownMs: spec.guardrails.cooldownSeconds * 1000,
    total: 100,
  };
  return {
    mode: spec.mode,
    paused: spec.paused,
    objectives: {
      p99LatencyMs: spec.objectives.p99LatencyMs,
      errorRate: spec.objectives.errorRate,
      costWeight: spec.objectives.costWeight,
      subsetCost: spec.objectives.subsetCost,
    },
    guardrails,
    hedgingAllowed: spec.guardrails.allowHedging,
    safety,
    laneUnavailable,
  };
}

/** The Event for a step that acted: what it did, or that the write failed; none for quiet steps. */
export function eventFor(
  step: StepResult,
  out: ActOutcome | undefined,
  live: RoutingKnobs,
  observation: Observation,
  objectives: Objectives,
): EventSpec | undefined {
  const action = step.action;
  if (action.kind === "none") return undefined;
  const ok = out?.ok === true;
  if (action.kind === "restore") {
    if (action.cause === "stale-telemetry") return { reason: "TelemetryStale", type: "Warning" };
    return ok ? { reason: "RoutingRestored", type: "Normal" } : { reason: "RestoreFailed", type: "Warning" };
  }
  if (step.kind === "rollback") return { reason: "RolledBack", type: "Warning" };
  return ok
    ? {
        reason: "RoutingChanged",
        type: "Normal",
        message: eventMessage(live, action.to, observation, objectives, step.reward),
      }
    : { reason: "WriteFailed", type: "Warning" };
}
