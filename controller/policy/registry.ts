/**
 * The one registry of policies: the controller picks an intent's policy here, and the bench,
 * `npm run simulate` and `npm run pretrain` pick theirs by the same names.
 */
import { UnknownNameError } from "../unknown-name-error.js";
import type { Policy } from "./policy.js";
import { qLearning } from "./q-learning.js";
import { DEFAULT_Q_PARAMETERS, type QLearningParameters, type QTable } from "./q-table.js";
import { reward } from "./reward.js";
import { thompsonHedging } from "./thompson-hedging.js";

export const POLICY_NAMES = ["q-learning", "thompson-k1", "thompson-k2", "thompson-k3", "hold"] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface PolicyOptions {
  /** The Q-table a q-learning policy starts from. @default an empty table */
  readonly pretrained?: QTable;
  /** @default DEFAULT_Q_PARAMETERS */
  readonly qParameters?: QLearningParameters;
}

/** Keeps the routing as it is, and still reports the reward, so an operator sees the baseline. */
const hold: Policy<Record<string, never>> = {
  name: "hold",
  initialState: () => ({}),
  decide(observation, state, ctx) {
    return {
      decision: {
        routing: ctx.current,
        explanation: "The intent's algorithm is hold: the routing stays as it is.",
        reward: reward(observation, ctx.objectives),
      },
      state,
    };
  },
};

/** The policy of that name; throws UnknownNameError for any other name. */
export function createPolicy(name: string, options: PolicyOptions = {}, setting = "policy"): Policy<unknown> {
  switch (name as PolicyName) {
    case "q-learning":
      return qLearning(options.qParameters ?? DEFAULT_Q_PARAMETERS, options.pretrained) as Policy<unknown>;
    case "thompson-k1":
      return thompsonHedging({ k: 1 }) as Policy<unknown>;
    case "thompson-k2":
      return thompsonHedging({ k: 2 }) as Policy<unknown>;
    case "thompson-k3":
      return thompsonHedging({ k: 3 }) as Policy<unknown>;
    case "hold":
      return hold as Policy<unknown>;
    default:
      throw new UnknownNameError(setting, name, POLICY_NAMES);
  }
}

/**
 * The policy an intent's algorithm names. Thompson sampling hedges with one extra copy where the
 * intent allows hedging, and not at all where it does not.
 */
export function policyNameOf(spec: {
  readonly algorithm: "q-learning" | "thompson-hedging" | "hold";
  readonly guardrails: { readonly allowHedging: boolean };
}): PolicyName {
  if (spec.algorithm === "thompson-hedging")
    return spec.guardrails.allowHedging ? "thompson-k2" : "thompson-k1";
  return spec.algorithm;
}
