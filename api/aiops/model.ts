/**
 * AIOpsPolicy as a typed model like the upstream ones (validate/toJSON), so charts add it with
 * addTyped and the tree's schema check covers it with our own schema.
 */
import { describeProblems } from "../schema-problems.js";
import { AIOPS_API_VERSION, AIOPS_KIND, type AIOpsPolicySpec } from "./schema.js";
import { validateAIOpsPolicy } from "./validate.js";

export interface AIOpsPolicy {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly [k: string]: unknown };
  readonly spec: AIOpsPolicySpec;
}

export class AIOpsPolicyModel {
  constructor(private readonly data: Omit<AIOpsPolicy, "apiVersion" | "kind"> & Partial<AIOpsPolicy>) {}

  validate(): void {
    const { apiVersion, kind } = this.data;
    if ((apiVersion ?? AIOPS_API_VERSION) !== AIOPS_API_VERSION || (kind ?? AIOPS_KIND) !== AIOPS_KIND)
      throw new Error(`expected ${AIOPS_API_VERSION} ${AIOPS_KIND}, got ${apiVersion} ${kind}`);
    const result = validateAIOpsPolicy(this.data.spec);
    if (!result.valid) throw new Error(describeProblems(result.problems));
  }

  toJSON(): AIOpsPolicy {
    return { ...this.data, apiVersion: AIOPS_API_VERSION, kind: AIOPS_KIND } as AIOpsPolicy;
  }
}
