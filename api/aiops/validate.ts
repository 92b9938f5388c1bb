/**
 * Validates an AIOpsPolicy with the schema the CRD ships, applies its defaults, and adds what a
 * schema cannot express: every service a service calls must be watched too, or the call graph has
 * a hole root causes would fall through.
 */
import { Ajv } from "ajv";
import { type SchemaProblem, schemaProblems } from "../schema-problems.js";
import { AIOPS_SPEC_SCHEMA, type ResolvedAIOpsSpec } from "./schema.js";

export type AIOpsValidation =
  | { readonly valid: true; readonly spec: ResolvedAIOpsSpec }
  | { readonly valid: false; readonly problems: readonly SchemaProblem[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const check = ajv.compile(AIOPS_SPEC_SCHEMA);
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validateAIOpsPolicy(spec: unknown): AIOpsValidation {
  const copy = structuredClone(spec ?? null);
  if (!check(copy)) return { valid: false, problems: schemaProblems(check.errors, "AIOpsPolicy") };
  const resolved = copy as unknown as ResolvedAIOpsSpec;
  const problems: SchemaProblem[] = [];
  for (const [name, s] of Object.entries(resolved.services)) {
    if (!NAME.test(name) || name.length > 63)
      problems.push({ path: `spec.services.${name}`, reason: "is not a valid service name (DNS label)" });
    for (const callee of s.calls)
      if (!(callee in resolved.services))
        problems.push({
          path: `spec.services.${name}.calls`,
          reason: `names ${callee}, which is not watched; add it to spec.services`,
        });
  }
  const d = resolved.detection;
  if (d.windowSeconds < 2 * d.intervalSeconds)
    problems.push({
      path: "spec.detection.windowSeconds",
      reason: `is ${d.windowSeconds} but must be at least twice intervalSeconds (${d.intervalSeconds}), or a rate has one scrape`,
    });
  return problems.length > 0 ? { valid: false, problems } : { valid: true, spec: resolved };
}
