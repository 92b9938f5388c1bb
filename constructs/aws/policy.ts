import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js";
import type { Construct } from "constructs";
import { InvalidPropError } from "./errors.js";

/** A principal in a resource or trust policy. */
export interface PolicyPrincipal {
  readonly type: "AWS" | "Service" | "Federated" | "*";
  readonly identifiers: string[];
}

/** One IAM condition: `test` is the operator (StringEquals, ArnLike, Bool...). */
export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: string[];
}

/**
 * A typed IAM policy statement.
 *
 * Field names follow `aws_iam_policy_document`, which is what it renders to.
 */
export interface PolicyStatement {
  readonly sid?: string;
  /** @default "Allow" */
  readonly effect?: "Allow" | "Deny";
  readonly actions: string[];
  /** @default none, which is right only for trust policies */
  readonly resources?: string[];
  readonly principals?: PolicyPrincipal[];
  readonly conditions?: PolicyCondition[];
}

/**
 * Rejects statements that allow everything on everything, or nothing at all.
 *
 * @param owner the construct and prop to name in the error, e.g. "WorkloadIdentity 'statements'"
 */
export function checkStatements(owner: string, prop: string, statements: readonly PolicyStatement[]): void {
  statements.forEach((s, i) => {
    if (s.actions.length === 0) {
      throw new InvalidPropError(owner, `${prop}[${i}].actions`, s.actions, "must name at least one action");
    }
    const allowsAll = (s.effect ?? "Allow") === "Allow" && s.actions.includes("*");
    if (allowsAll && (s.resources ?? []).includes("*")) {
      throw new InvalidPropError(
        owner,
        `${prop}[${i}]`,
        { actions: s.actions, resources: s.resources },
        'grants Action "*" on Resource "*"; name the service actions and the resource ARNs it needs',
      );
    }
  });
}

/** Renders typed statements into an `aws_iam_policy_document` data source. */
export function policyDocument(
  scope: Construct,
  id: string,
  statements: readonly PolicyStatement[],
): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: statements.map((s) => ({
      sid: s.sid,
      effect: s.effect ?? "Allow",
      actions: s.actions,
      resources: s.resources,
      principals: s.principals?.map((p) => ({ type: p.type, identifiers: p.identifiers })),
      condition: s.conditions?.map((c) => ({ test: c.test, variable: c.variable, values: c.values })),
    })),
  });
}
