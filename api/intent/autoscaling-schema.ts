/**
 * `spec.autoscaling` of a TrafficIntent: predictive autoscaling of the destination's versions. The
 * optimizer forecasts the destination's request rate and sets each version's HorizontalPodAutoscaler
 * `minReplicas` for the moment a replica asked for now would be ready; the HPA still scales on CPU
 * above that floor. The same field definitions make the bench's scaling-policy files, so a policy
 * tried in `npm run bench:autoscaling` reads exactly as it would in an intent.
 */

export const FORECASTERS = ["seasonal-naive", "holt-winters", "lstm"] as const;
export type ForecasterName = (typeof FORECASTERS)[number];
export const AUTOSCALING_MODES = ["observe", "act"] as const;

/** The guardrails and choices a scaling policy and an intent share; no defaults here (see below). */
export const SCALING_FIELDS = {
  forecaster: {
    type: "string",
    enum: [...FORECASTERS],
    description: "The forecaster behind the scaler.",
  },
  mode: {
    type: "string",
    enum: [...AUTOSCALING_MODES],
    description: "observe explains in status and Events what minReplicas it would set; act writes them.",
  },
  quantile: {
    type: "number",
    minimum: 0.5,
    maximum: 0.99,
    description: "The forecast's upper quantile provisioned for.",
  },
  maxStep: {
    type: "integer",
    minimum: 1,
    maximum: 100,
    description: "Most replicas minReplicas may rise in one decision (it may fall at once).",
  },
  budgetReplicaMinutesPerDay: {
    type: "number",
    minimum: 0,
    maximum: 10_000_000,
    description: "Replica-minutes above the HPA's own choice the scaler may add per day, per version.",
  },
  spikeFilterSeconds: {
    type: "integer",
    minimum: 0,
    maximum: 3600,
    description:
      "A rise above the forecast's band is followed only after this long (or while it keeps growing): shorter ones are spikes over before a new replica is ready. Default: readySeconds.",
  },
} as const;

/** The defaults an intent's autoscaling gets; the bench's come from its service profile. */
export const AUTOSCALING_DEFAULTS = {
  forecaster: "holt-winters",
  mode: "observe",
  quantile: 0.9,
  maxStep: 4,
  budgetReplicaMinutesPerDay: 2880,
  readySeconds: 150,
} as const;

const NAME = { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 } as const;

const withDefault = <T extends object, D>(field: T, value: D) => ({ ...field, default: value });

export const AUTOSCALING_SPEC_SCHEMA = {
  type: "object",
  description:
    "Predictive autoscaling: each version's HorizontalPodAutoscaler gets a minReplicas ahead of the forecast load; the HPA still scales on its metrics above it. Deleting the intent, removing this field or going back to observe restores the minReplicas Git gave.",
  required: ["horizontalPodAutoscalers"],
  additionalProperties: false,
  properties: {
    horizontalPodAutoscalers: {
      type: "object",
      description:
        "Each version's HorizontalPodAutoscaler in the intent's namespace, by DestinationRule subset.",
      minProperties: 1,
      maxProperties: 10,
      additionalProperties: NAME,
    },
    forecaster: withDefault(SCALING_FIELDS.forecaster, AUTOSCALING_DEFAULTS.forecaster),
    mode: withDefault(SCALING_FIELDS.mode, AUTOSCALING_DEFAULTS.mode),
    quantile: withDefault(SCALING_FIELDS.quantile, AUTOSCALING_DEFAULTS.quantile),
    maxStep: withDefault(SCALING_FIELDS.maxStep, AUTOSCALING_DEFAULTS.maxStep),
    budgetReplicaMinutesPerDay: withDefault(
      SCALING_FIELDS.budgetReplicaMinutesPerDay,
      AUTOSCALING_DEFAULTS.budgetReplicaMinutesPerDay,
    ),
    readySeconds: {
      type: "integer",
      minimum: 10,
      maximum: 3600,
      default: AUTOSCALING_DEFAULTS.readySeconds,
      description:
        "How long a replica asked for now takes to be ready (a node if one must be made, image pull, start, readiness), at about its p90: how far ahead the scaler provisions.",
    },
    spikeFilterSeconds: SCALING_FIELDS.spikeFilterSeconds,
  },
} as const;

export interface AutoscalingSpec {
  readonly horizontalPodAutoscalers: Readonly<Record<string, string>>;
  readonly forecaster?: ForecasterName;
  readonly mode?: (typeof AUTOSCALING_MODES)[number];
  readonly quantile?: number;
  readonly maxStep?: number;
  readonly budgetReplicaMinutesPerDay?: number;
  readonly readySeconds?: number;
  readonly spikeFilterSeconds?: number;
}

export type ResolvedAutoscalingSpec = Required<Omit<AutoscalingSpec, "spikeFilterSeconds">> & {
  readonly spikeFilterSeconds?: number;
};

/** What status reports per version. */
export const AUTOSCALING_STATUS_SCHEMA = {
  type: "object",
  properties: {
    mode: { type: "string" },
    at: { type: "string", format: "date-time" },
    forecastRps: { type: "number", description: "The forecast's upper quantile over the horizon." },
    explanation: { type: "string", maxLength: 4096 },
    subsets: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: {
          horizontalPodAutoscaler: { type: "string" },
          minReplicas: { type: "integer", description: "What the scaler sets (act) or would set (observe)." },
          gitMinReplicas: {
            type: "integer",
            description: "The minReplicas Git gave, restored when it stops.",
          },
          currentReplicas: { type: "integer" },
          capacityRps: {
            type: "number",
            description: "Requests per second one replica serves at 100% CPU, learned.",
          },
          explanation: { type: "string", maxLength: 4096 },
        },
      },
    },
  },
} as const;
