/**
 * The policy behind each intent's algorithm, and how its state is kept when its decision is not
 * written (observe and recommend modes): the routing in force is then "hold", and a learner must
 * credit the reward to holding, not to the action it proposed.
 */

import type { ResolvedIntentSpec } from "../intent/schema.js";
import type { Policy, PolicyContext } from "../policy/policy.js";
import { type QLearningState, qLearning } from "../policy/q-learning.js";
import { DEFAULT_Q_PARAMETERS, type QTable } from "../policy/q-table.js";
import { reward } from "../policy/reward.js";
import { thompsonHedging } from "../policy/thompson-hedging.js";

export type Algorithm = ResolvedIntentSpec["algorithm"];

const hold: Policy<Record<string, never>> = {
  name: "hold",
  initialState: () => ({}),
  decide(observation, state, ctx: PolicyContext) {
    return {
      decision: {
        routing: ctx.current,
        explanation: "The intent's algorithm is hold: the routing stays as it is.",
        reward: observation.stale ? undefined : reward(observation, ctx.objectives),
      },
      state,
    };
  },
};

/** A key that changes when the policy would change, so a stored state is only reused by its own kind. */
export function policyKey(spec: ResolvedIntentSpec): string {
  return spec.algorithm === "thompson-hedging"
    ? `thompson-k${spec.guardrails.allowHedging ? 2 : 1}`
    : spec.algorithm;
}

export function policyFor(spec: ResolvedIntentSpec, pretrained?: QTable): Policy<unknown> {
  switch (spec.algorithm) {
    case "q-learning":
      return qLearning(DEFAULT_Q_PARAMETERS, pretrained) as Policy<unknown>;
    case "thompson-hedging":
      return thompsonHedging({ k: spec.guardrails.allowHedging ? 2 : 1 }) as Policy<unknown>;
    case "hold":
      return hold as Policy<unknown>;
  }
}

/** The state after a decision that was not written: what was in force was "hold". */
export function heldInstead(spec: ResolvedIntentSpec, state: unknown): unknown {
  if (spec.algorithm !== "q-learning") return state;
  const q = state as QLearningState;
  return q.previous ? { ...q, previous: { ...q.previous, action: 0 } } : q;
}
