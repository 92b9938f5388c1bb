/**
 * TrafficIntent: what an operator wants for one destination, in the optimizer.meshpilot.io API
 * group. This OpenAPI v3 schema is the single source: the CRD ships it (the API server validates
 * and defaults with it) and the controller validates every intent it reads with it again, because
 * an intent can predate a schema change or come from a server that skipped validation.
 */

import {
  AUTOSCALING_SPEC_SCHEMA,
  AUTOSCALING_STATUS_SCHEMA,
  type AutoscalingSpec,
  type ResolvedAutoscalingSpec,
} from "./autoscaling-schema.js";

export const INTENT_GROUP = "optimizer.meshpilot.io";
export const INTENT_VERSION = "v1alpha1";
export const INTENT_KIND = "TrafficIntent";
export const INTENT_PLURAL = "trafficintents";
export const INTENT_API_VERSION = `${INTENT_GROUP}/${INTENT_VERSION}`;

export const ALGORITHMS = ["q-learning", "thompson-hedging", "hold"] as const;
export const MODES = ["observe", "recommend", "act"] as const;
/** How long a rollout may stay undecided before it turns Inconclusive, unless its spec says. */
export const ROLLOUT_DEADLINE_MINUTES = 30;

const NAME = { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 } as const;

/** The spec's schema, with the API server's defaults. */
export const INTENT_SPEC_SCHEMA = {
  type: "object",
  required: ["target", "objectives"],
  additionalProperties: false,
  properties: {
    target: {
      type: "object",
      description: "The destination: its host and the Istio objects whose routing the optimizer writes.",
      required: ["host", "virtualService", "destinationRule"],
      additionalProperties: false,
      properties: {
        host: {
          type: "string",
          minLength: 1,
          maxLength: 253,
          description: "The destination host, as in the VirtualService route.",
        },
        virtualService: NAME,
        destinationRule: NAME,
      },
    },
    objectives: {
      type: "object",
      required: ["p99LatencyMs", "errorRate"],
      additionalProperties: false,
      properties: {
        p99LatencyMs: {
          type: "number",
          minimum: 1,
          maximum: 600000,
          description: "The p99 latency SLO, in milliseconds.",
        },
        errorRate: {
          type: "number",
          minimum: 0,
          maximum: 1,
          description: "The error-rate budget, as a fraction.",
        },
        costWeight: { type: "number", minimum: 0, maximum: 10, default: 0 },
        subsetCost: {
          type: "object",
          description: "Relative cost per request of each subset; read when costWeight > 0.",
          additionalProperties: { type: "number", minimum: 0 },
        },
      },
    },
    algorithm: { type: "string", enum: [...ALGORITHMS], default: "q-learning" },
    mode: {
      type: "string",
      enum: [...MODES],
      default: "observe",
      description: "observe learns only; recommend decides and explains without writing; act writes routing.",
    },
    guardrails: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        minWeight: { type: "integer", minimum: 0, maximum: 50, default: 5 },
        maxStep: { type: "integer", minimum: 1, maximum: 100, default: 10 },
        cooldownSeconds: { type: "integer", minimum: 0, maximum: 86400, default: 60 },
        allowHedging: {
          type: "boolean",
          default: false,
          description: "Hedged requests are duplicates: allow them only for idempotent routes.",
        },
      },
    },
    paused: {
      type: "boolean",
      default: false,
      description: "While paused nothing is written; manual weights are left alone.",
    },
    rollout: {
      type: "object",
      description:
        "Roll out a new version subset under the objectives: the canary's weight moves as fast as the evidence allows and goes back to 0 as soon as the canary is worse than the stable subset. While present, it replaces the algorithm.",
      required: ["stable", "canary"],
      additionalProperties: false,
      properties: {
        stable: { ...NAME, description: "The subset serving the current version." },
        canary: { ...NAME, description: "The subset serving the new version." },
        canaryImage: {
          type: "string",
          maxLength: 512,
          description:
            "The canary's image; on promotion, status names it as the image to pin for the stable subset in Git.",
        },
        exposureBudgetPercentMinutes: {
          type: "number",
          // OpenAPI v3.0, as CRDs speak it, has only the boolean form of exclusiveMinimum.
          minimum: 0.01,
          maximum: 100000,
          default: 100,
          description:
            "The most a bad canary may be exposed before it is caught: weight in percent times minutes.",
        },
        deadlineMinutes: {
          type: "integer",
          minimum: 1,
          maximum: 10080,
          default: ROLLOUT_DEADLINE_MINUTES,
          description:
            "A rollout still undecided this long after it started turns Inconclusive and holds for a person.",
        },
        gates: {
          type: "array",
          items: { type: "integer", minimum: 1, maximum: 99 },
          maxItems: 10,
          default: [],
          description: "Canary weights the rollout pauses at until they are listed in approvedGates.",
        },
        approvedGates: {
          type: "array",
          items: { type: "integer", minimum: 1, maximum: 99 },
          maxItems: 10,
          default: [],
        },
      },
    },
    autoscaling: AUTOSCALING_SPEC_SCHEMA,
  },
} as const;

/** A status condition, as every Meshpilot resource reports them (Kubernetes' metav1.Condition). */
export const CONDITION_SCHEMA = {
  type: "object",
  required: ["type", "status", "lastTransitionTime", "reason", "message"],
  properties: {
    type: { type: "string", enum: ["Ready", "Degraded", "Invalid"] },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    observedGeneration: { type: "integer" },
    lastTransitionTime: { type: "string", format: "date-time" },
    reason: { type: "string", maxLength: 1024 },
    message: { type: "string", maxLength: 32768 },
  },
} as const;

/** The status the controller writes. */
export const INTENT_STATUS_SCHEMA = {
  type: "object",
  properties: {
    observedGeneration: { type: "integer" },
    conditions: { type: "array", items: CONDITION_SCHEMA },
    weights: { type: "object", additionalProperties: { type: "integer" } },
    rollout: {
      type: "object",
      properties: {
        phase: { type: "string", enum: ["Progressing", "Paused", "Promoted", "Aborted", "Inconclusive"] },
        canaryWeight: { type: "integer" },
        startedAt: { type: "string", format: "date-time" },
        reason: { type: "string", maxLength: 4096 },
        exposurePercentMinutes: { type: "number" },
        evidence: {
          type: "array",
          maxItems: 20,
          items: {
            type: "object",
            properties: {
              at: { type: "string", format: "date-time" },
              weight: { type: "integer" },
              canaryP99Ms: { type: "number" },
              stableP99Ms: { type: "number" },
              canaryErrorRatio: { type: "number" },
              stableErrorRatio: { type: "number" },
              errorsWorse: { type: "number" },
              latencyLlr: { type: "number" },
              verdict: { type: "string" },
            },
          },
        },
        gitChange: {
          type: "object",
          description: "What a pipeline must commit after a promotion, so Git matches the promoted routing.",
          properties: {
            subset: { type: "string" },
            image: { type: "string" },
            message: { type: "string" },
          },
        },
      },
    },
    autoscaling: AUTOSCALING_STATUS_SCHEMA,
    lastDecision: {
      type: "object",
      properties: {
        at: { type: "string", format: "date-time" },
        kind: { type: "string" },
        explanation: { type: "string" },
        weights: { type: "object", additionalProperties: { type: "integer" } },
        reward: { type: "object", additionalProperties: { type: "number" } },
      },
    },
  },
} as const;

export interface TrafficIntentSpec {
  readonly target: {
    readonly host: string;
    readonly virtualService: string;
    readonly destinationRule: string;
  };
  readonly objectives: {
    readonly p99LatencyMs: number;
    readonly errorRate: number;
    readonly costWeight?: number;
    readonly subsetCost?: Readonly<Record<string, number>>;
  };
  readonly algorithm?: (typeof ALGORITHMS)[number];
  readonly mode?: (typeof MODES)[number];
  readonly guardrails?: {
    readonly minWeight?: number;
    readonly maxStep?: number;
    readonly cooldownSeconds?: number;
    readonly allowHedging?: boolean;
  };
  readonly paused?: boolean;
  readonly rollout?: RolloutSpec;
  readonly autoscaling?: AutoscalingSpec;
}

export interface RolloutSpec {
  readonly stable: string;
  readonly canary: string;
  readonly canaryImage?: string;
  readonly exposureBudgetPercentMinutes?: number;
  readonly deadlineMinutes?: number;
  readonly gates?: readonly number[];
  readonly approvedGates?: readonly number[];
}

/** A spec after defaulting: every optional field filled in. */
export interface ResolvedIntentSpec {
  readonly target: TrafficIntentSpec["target"];
  readonly objectives: Required<Omit<TrafficIntentSpec["objectives"], "subsetCost">> & {
    readonly subsetCost?: Readonly<Record<string, number>>;
  };
  readonly algorithm: (typeof ALGORITHMS)[number];
  readonly mode: (typeof MODES)[number];
  readonly guardrails: Required<NonNullable<TrafficIntentSpec["guardrails"]>>;
  readonly paused: boolean;
  readonly rollout?: Required<Omit<RolloutSpec, "canaryImage">> & { readonly canaryImage?: string };
  readonly autoscaling?: ResolvedAutoscalingSpec;
}

export interface TrafficIntent {
  readonly apiVersion: typeof INTENT_API_VERSION;
  readonly kind: typeof INTENT_KIND;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly generation?: number;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec: TrafficIntentSpec;
}
