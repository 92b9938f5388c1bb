/**
 * Validates a TrafficIntent with the same schema the CRD ships, applies its defaults, and adds the
 * checks a schema cannot express. Every problem names the JSON path and the reason, so the
 * Invalid condition tells the operator exactly what to fix.
 */
import { Ajv } from "ajv";
import { checkLimits } from "../guardrail-limits.js";
import { describeProblems, type SchemaProblem, schemaProblems } from "../schema-problems.js";
import { INTENT_SPEC_SCHEMA, type ResolvedIntentSpec } from "./schema.js";

export type IntentProblem = SchemaProblem;

export type IntentValidation =
  | { readonly valid: true; readonly spec: ResolvedIntentSpec }
  | { readonly valid: false; readonly problems: readonly IntentProblem[] };

// OpenAPI's x-kubernetes-* and description keywords are not JSON Schema; Ajv is told to let them be.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const check = ajv.compile(INTENT_SPEC_SCHEMA);

/**
 * @param spec the intent's spec as read (not modified)
 * @param subsets the DestinationRule's subsets, when known, to check costs and the weight floor against
 */
export function validateIntent(spec: unknown, subsets?: readonly string[]): IntentValidation {
  const copy = structuredClone(spec ?? null);
  if (!check(copy)) {
    const problems = schemaProblems(check.errors, "TrafficIntent");
    return { valid: false, problems };
  }
  const resolved = copy as unknown as ResolvedIntentSpec;
  const problems: IntentProblem[] = [];
  const g = resolved.guardrails;
  if (subsets !== undefined) {
    const limits = checkLimits(
      { minWeight: g.minWeight, maxStep: g.maxStep, cooldownMs: g.cooldownSeconds * 1000, total: 100 },
      subsets.length,
    );
    if (limits) problems.push({ path: "spec.guardrails.minWeight", reason: limits });
    for (const name of Object.keys(resolved.objectives.subsetCost ?? {}))
      if (!subsets.includes(name))
        problems.push({
          path: `spec.objectives.subsetCost.${name}`,
          reason: `names no subset of the DestinationRule (it has ${subsets.join(", ") || "none"})`,
        });
    // One subset still has per-replica levers (the quarantine lane, least-request's choices,
    // hedging); none has nothing to route to.
    if (subsets.length === 0 && resolved.algorithm !== "hold" && resolved.mode === "act")
      problems.push({
        path: "spec.algorithm",
        reason: "the DestinationRule has no subsets to route to; use hold, or add a subset",
      });
  }
  if (resolved.algorithm === "thompson-hedging" && !g.allowHedging)
    problems.push({
      path: "spec.guardrails.allowHedging",
      reason: "thompson-hedging sends hedged duplicates; set allowHedging: true, for idempotent routes only",
    });
  const rollout = resolved.rollout;
  if (rollout) {
    if (rollout.stable === rollout.canary)
      problems.push({
        path: "spec.rollout.canary",
        reason: `is '${rollout.canary}', the stable subset too; name the new version's subset`,
      });
    if (subsets !== undefined)
      for (const field of ["stable", "canary"] as const)
        if (!subsets.includes(rollout[field]))
          problems.push({
            path: `spec.rollout.${field}`,
            reason: `names no subset of the DestinationRule (it has ${subsets.join(", ") || "none"})`,
          });
  }
  if (resolved.autoscaling && subsets !== undefined)
    for (const name of Object.keys(resolved.autoscaling.horizontalPodAutoscalers))
      if (!subsets.includes(name))
        problems.push({
          path: `spec.autoscaling.horizontalPodAutoscalers.${name}`,
          reason: `names no subset of the DestinationRule (it has ${subsets.join(", ") || "none"})`,
        });
  if (resolved.objectives.costWeight > 0 && !resolved.objectives.subsetCost)
    problems.push({ path: "spec.objectives.subsetCost", reason: "is required when costWeight > 0" });
  return problems.length > 0 ? { valid: false, problems } : { valid: true, spec: resolved };
}

export { describeProblems };
