/**
 * A scaling policy as a user writes it for the bench: the scaler's guardrails and choices (an
 * intent's `spec.autoscaling` fields, plus the bounds an intent takes from its HPA), every field
 * optional over the defaults the profile implies. Checked whole before anything runs; each problem names its
 * JSON path and the reason, and a policy with any problem changes nothing.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { type ForecasterName, SCALING_FIELDS } from "../../api/intent/autoscaling-schema.js";
import { InvalidFileError, parseJsonText, schemaProblems } from "../../common/invalid-file.js";
import type { ScalerSettings } from "./scaler.js";

export interface ScalingPolicy {
  readonly forecaster?: ForecasterName;
  readonly mode?: "observe" | "act";
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly quantile?: number;
  readonly maxStep?: number;
  readonly budgetReplicaMinutesPerDay?: number;
  readonly spikeFilterSeconds?: number;
}

const REPLICAS = { type: "integer", minimum: 1, maximum: 1000 } as const;

export const SCALING_POLICY_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    // An intent's fields, so a policy tried on the bench reads as it would in the cluster; the
    // bounds an intent leaves to its HPA's spec are the policy's own.
    ...SCALING_FIELDS,
    minReplicas: REPLICAS,
    maxReplicas: REPLICAS,
  },
} as const;

export class ScalingPolicyError extends InvalidFileError {
  constructor(source: string, problems: readonly string[]) {
    super("scaling policy", source, problems);
    this.name = "ScalingPolicyError";
  }
}

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(SCALING_POLICY_SCHEMA);

export function parseScalingPolicy(text: string, source: string): ScalingPolicy {
  const data = parseJsonText(text, (problems) => new ScalingPolicyError(source, problems));
  if (!validate(data)) throw new ScalingPolicyError(source, schemaProblems(validate.errors));
  const policy = data as ScalingPolicy;
  if (
    policy.minReplicas !== undefined &&
    policy.maxReplicas !== undefined &&
    policy.minReplicas > policy.maxReplicas
  )
    throw new ScalingPolicyError(source, [
      `$.minReplicas: ${policy.minReplicas} is above maxReplicas ${policy.maxReplicas}`,
    ]);
  return policy;
}

/** The scaler's settings with the policy's fields over the defaults. */
export function applyPolicy(defaults: ScalerSettings, policy: ScalingPolicy): ScalerSettings {
  const minReplicas = policy.minReplicas ?? defaults.minReplicas;
  const maxReplicas = policy.maxReplicas ?? defaults.maxReplicas;
  if (minReplicas > maxReplicas)
    throw new ScalingPolicyError("scaling policy", [
      `$.${policy.minReplicas !== undefined ? "minReplicas" : "maxReplicas"}: min ${minReplicas} would be above max ${maxReplicas}`,
    ]);
  return {
    ...defaults,
    mode: policy.mode ?? defaults.mode,
    minReplicas,
    maxReplicas,
    quantile: policy.quantile ?? defaults.quantile,
    maxStep: policy.maxStep ?? defaults.maxStep,
    budgetReplicaMinutesPerDay: policy.budgetReplicaMinutesPerDay ?? defaults.budgetReplicaMinutesPerDay,
    spikeFilterMs:
      policy.spikeFilterSeconds !== undefined ? policy.spikeFilterSeconds * 1000 : defaults.spikeFilterMs,
  };
}
