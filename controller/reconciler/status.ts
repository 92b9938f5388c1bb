/**
 * The TrafficIntent status the controller writes: Ready, Degraded and Invalid conditions with
 * the generation they describe, the weights in force and the last decision. A condition keeps
 * its lastTransitionTime until its status actually flips, as Kubernetes conventions ask.
 */
import type { RoutingKnobs } from "../policy/policy.js";
import type { RewardTerms } from "../policy/reward.js";
import type { RolloutStatus } from "../rollout/settings.js";

export type ConditionType = "Ready" | "Degraded" | "Invalid";

export interface Condition {
  readonly type: ConditionType;
  readonly status: "True" | "False" | "Unknown";
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

/** What predictive autoscaling reports: the forecast and, per version, the floor it sets or would set. */
export interface AutoscalingStatus {
  readonly mode: string;
  readonly at: string;
  readonly forecastRps?: number;
  readonly explanation: string;
  readonly subsets: Readonly<
    Record<
      string,
      {
        readonly horizontalPodAutoscaler: string;
        readonly minReplicas: number;
        readonly gitMinReplicas: number;
        readonly currentReplicas: number;
        readonly capacityRps?: number;
        readonly explanation: string;
      }
    >
  >;
}

export interface IntentStatus {
  readonly observedGeneration?: number;
  readonly conditions: readonly Condition[];
  readonly weights?: Readonly<Record<string, number>>;
  readonly rollout?: RolloutStatus;
  readonly autoscaling?: AutoscalingStatus;
  readonly lastDecision?: {
    readonly at: string;
    readonly kind: string;
    readonly explanation: string;
    readonly weights?: Readonly<Record<string, number>>;
    readonly reward?: Readonly<Record<string, number>>;
  };
}

export interface ConditionInput {
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

export function buildStatus(
  previous: IntentStatus | undefined,
  generation: number | undefined,
  at: string,
  conditions: Readonly<Record<ConditionType, ConditionInput>>,
  rest: Pick<IntentStatus, "weights" | "lastDecision" | "rollout" | "autoscaling">,
): IntentStatus {
  const built = (["Ready", "Degraded", "Invalid"] as const).map((type): Condition => {
    const c = conditions[type];
    const status = c.status ? "True" : "False";
    const before = previous?.conditions?.find((p) => p.type === type);
    return {
      type,
      status,
      observedGeneration: generation,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : at,
      reason: c.reason,
      message: c.message.slice(0, 32768),
    };
  });
  return { observedGeneration: generation, conditions: built, ...rest };
}

/** What makes two statuses different enough to write: everything but timestamps. */
export function statusFingerprint(s: IntentStatus | undefined): string {
  if (!s) return "";
  return JSON.stringify({
    ...s,
    conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: undefined })),
    lastDecision: s.lastDecision ? { ...s.lastDecision, at: undefined, reward: undefined } : undefined,
    autoscaling: s.autoscaling ? { ...s.autoscaling, at: undefined } : undefined,
  });
}

/**
 * Decisions whose explanation is a running commentary (the beliefs and the p99 drift a little every
 * interval) rather than news. Their status is rewritten only when something else changes or when
 * the refresh period runs out, so 500 quiet intents do not cost 500 status writes per interval.
 */
const COMMENTARY = new Set(["observe", "hold"]);

/** The fingerprint that decides whether a status write is news, or can wait for the refresh. */
export function statusNews(s: IntentStatus | undefined): string {
  if (!s) return "";
  // The forecast and its reasons drift every step; a floor that moves is news.
  const a = s.autoscaling;
  const floors = a && {
    ...a,
    forecastRps: undefined,
    explanation: "",
    subsets: Object.fromEntries(
      Object.entries(a.subsets).map(([k, v]) => [
        k,
        { ...v, capacityRps: undefined, currentReplicas: 0, explanation: "" },
      ]),
    ),
  };
  const quiet = { ...s, autoscaling: floors };
  if (!s.lastDecision || !COMMENTARY.has(s.lastDecision.kind)) return statusFingerprint(quiet);
  return statusFingerprint({ ...quiet, lastDecision: { ...s.lastDecision, explanation: "" } });
}

export function rewardRecord(r: RewardTerms | undefined): Record<string, number> | undefined {
  if (!r) return undefined;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { total: round(r.total), latency: round(r.latency), errors: round(r.errors), cost: round(r.cost) };
}

/** What a decision's status is built from. */
export interface DecisionFacts {
  readonly mode: string;
  readonly paused: boolean;
  /** Telemetry has been stale for the limit or longer. */
  readonly degraded: boolean;
  readonly kind: string;
  readonly explanation: string;
  readonly from: RoutingKnobs;
  readonly to?: RoutingKnobs;
  /** The weights Git declared, which a restore puts back. */
  readonly original?: Readonly<Record<string, number>>;
  readonly reward?: RewardTerms;
  /** Present while the intent has a rollout. */
  readonly rollout?: RolloutStatus;
  /** Present while the intent has autoscaling. */
  readonly autoscaling?: AutoscalingStatus;
}

function modeReason(mode: string): string {
  return { observe: "Observing", recommend: "Recommending", act: "Acting" }[mode] ?? "Ready";
}

/** The status after a decision: Ready unless telemetry is stale past the limit or a write failed. */
export function decisionStatus(
  previous: IntentStatus | undefined,
  generation: number | undefined,
  at: string,
  d: DecisionFacts,
): IntentStatus {
  const failing = d.kind === "error";
  const trouble = d.degraded || failing;
  const troubleReason = d.degraded ? "TelemetryStale" : "WriteFailed";
  const conditions: Record<ConditionType, ConditionInput> = {
    Ready: {
      status: !trouble,
      reason: trouble ? troubleReason : d.paused ? "Paused" : modeReason(d.mode),
      message: trouble ? d.explanation : `${d.mode}${d.paused ? ", paused" : ""}: ${d.kind}`,
    },
    Degraded: {
      status: trouble,
      reason: trouble ? troubleReason : "AsExpected",
      message: trouble ? d.explanation : "Telemetry is fresh and writes succeed.",
    },
    Invalid: { status: false, reason: "Valid", message: "The spec is valid." },
  };
  const weights =
    d.kind === "change" || d.kind === "rollback"
      ? (d.to ?? d.from).weights
      : d.kind === "restore"
        ? (d.original ?? d.from.weights)
        : d.from.weights;
  return buildStatus(previous, generation, at, conditions, {
    weights,
    ...(d.rollout ? { rollout: d.rollout } : {}),
    ...(d.autoscaling ? { autoscaling: d.autoscaling } : {}),
    lastDecision: {
      at,
      kind: d.kind,
      explanation: d.explanation,
      weights: (d.to ?? d.from).weights,
      reward: rewardRecord(d.reward),
    },
  });
}
