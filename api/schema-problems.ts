/**
 * Ajv's errors as problems an operator can act on: the JSON path from the object's root and the
 * reason. Shared by every custom resource the controller validates.
 */
import type { ErrorObject } from "ajv";

export interface SchemaProblem {
  /** Where, as a JSON path from the object's root: `spec.guardrails.minWeight`. */
  readonly path: string;
  readonly reason: string;
}

function jsonPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split("/").filter(Boolean);
  if (extra) parts.push(extra);
  return ["spec", ...parts].map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** @param kind the resource's kind, for "is not a field of <kind>" */
export function schemaProblems(
  errors: readonly ErrorObject[] | null | undefined,
  kind: string,
): SchemaProblem[] {
  return (errors ?? []).map((e) => {
    const extra =
      e.keyword === "required"
        ? (e.params as { missingProperty: string }).missingProperty
        : e.keyword === "additionalProperties"
          ? (e.params as { additionalProperty: string }).additionalProperty
          : undefined;
    const reason =
      e.keyword === "additionalProperties"
        ? `is not a field of ${kind}`
        : e.keyword === "required"
          ? "is required"
          : (e.message ?? "is invalid");
    return { path: jsonPath(e.instancePath, extra), reason };
  });
}

/** One line for an Invalid condition's message. */
export function describeProblems(problems: readonly SchemaProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.reason}`).join("; ");
}
