/**
 * Runs a Meshpilot policy against the simulator, the way the controller runs it against a
 * cluster: every control interval, observe, decide, pass the guardrails, act.
 */
import type { GuardrailLimits } from "../policy/guardrails.js";
import type { Objectives, Policy, RoutingKnobs } from "../policy/policy.js";
import { aggregate, type RewardTerms } from "../policy/reward.js";
import { type SimulationConfig, type SimulationResult, simulate } from "./engine.js";
import type { Routing } from "./model.js";
import { Random } from "./random.js";

export interface PolicyRunOptions {
  readonly objectives: Objectives;
  readonly guardrails: GuardrailLimits;
  /** @default false */
  readonly hedgingAllowed?: boolean;
}

export interface DecisionRecord {
  readonly atMs: number;
  /** Request-weighted p99 across subsets in the interval the decision saw. */
  readonly observedP99Ms?: number;
  readonly explanation: string;
  readonly reward?: RewardTerms;
  readonly routing: RoutingKnobs;
  readonly changed: boolean;
}

export interface PolicyRun<State> {
  readonly result: SimulationResult;
  readonly decisions: readonly DecisionRecord[];
  readonly finalState: State;
}

const ENVOY_ALGORITHMS = ["ROUND_ROBIN", "RANDOM", "LEAST_REQUEST"];

/** The knobs the actuator can set, read from the simulator's routing. */
export function knobsOf(routing: Routing): RoutingKnobs {
  if (!ENVOY_ALGORITHMS.includes(routing.algorithm)) {
    throw new Error(
      `policies act through Envoy's algorithms only; '${routing.algorithm}' is a simulator-only peer`,
    );
  }
  return { ...routing, algorithm: routing.algorithm as RoutingKnobs["algorithm"] };
}

export function simulatePolicy<State>(
  config: SimulationConfig,
  policy: Policy<State>,
  options: PolicyRunOptions,
): PolicyRun<State> {
  if (!config.controlIntervalMs) throw new Error(`a policy run needs 'controlIntervalMs' in the scenario`);
  const random = new Random(config.seed).fork(`policy:${policy.name}`);
  let state = policy.initialState(Object.keys(config.routing.weights).sort());
  let lastChangeMs: number | undefined;
  const decisions: DecisionRecord[] = [];
  const result = simulate(config, {
    onInterval(observation, routing) {
      const current = knobsOf(routing);
      const out = policy.decide(observation, state, {
        nowMs: observation.atMs,
        random,
        current,
        objectives: options.objectives,
        guardrails: options.guardrails,
        hedgingAllowed: options.hedgingAllowed ?? false,
        lastChangeMs,
      });
      state = out.state;
      const changed = JSON.stringify(out.decision.routing) !== JSON.stringify(current);
      if (changed) lastChangeMs = observation.atMs;
      decisions.push({
        atMs: observation.atMs,
        observedP99Ms: aggregate(observation).p99Ms,
        explanation: out.decision.explanation,
        reward: out.decision.reward,
        routing: out.decision.routing,
        changed,
      });
      return changed ? out.decision.routing : undefined;
    },
  });
  return { result, decisions, finalState: state };
}
