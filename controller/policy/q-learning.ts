/**
 * The Q-learning controller (seed 000): a tabular agent over a discretized view of the mesh that
 * turns routing knobs (load-balancing algorithm, subset weights, outlier detection, hedging) and
 * learns from the multi-objective reward of the interval that follows.
 */
import type { Observation } from "../metrics/observation.js";
import type { Decision, Policy, PolicyContext, RoutingKnobs } from "./policy.js";
import {
  chooseAction,
  DEFAULT_Q_PARAMETERS,
  emptyQTable,
  epsilon,
  type QLearningParameters,
  type QTable,
  qUpdate,
  qValues,
} from "./q-table.js";
import { aggregate, reward } from "./reward.js";

/** Actions, "hold" first so that it wins ties in an untrained table. */
export const Q_ACTIONS = [
  "hold",
  "lb-least-request",
  "lb-round-robin",
  "shift-to-fastest",
  "outlier-detection-on",
  "outlier-detection-off",
  "hedge-at-p95",
  "hedge-off",
] as const;
export type QAction = (typeof Q_ACTIONS)[number];

export interface QLearningState {
  readonly table: QTable;
  /** The state and action of the last decision, awaiting its reward. */
  readonly previous?: { readonly state: string; readonly action: number };
  readonly lastRps?: number;
}

/** Envoy's outlier-detection defaults, the setting "outlier-detection-on" writes. */
const OUTLIER_ON = {
  consecutive5xxErrors: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
};

function bin(value: number, edges: readonly number[]): number {
  let i = 0;
  while (i < edges.length && value >= edges[i]) i++;
  return i;
}

/**
 * The discretized state: p99 against the objective, errors against the budget, the rps trend,
 * and CPU imbalance across replicas (coefficient of variation).
 */
export function discretize(
  observation: Observation,
  ctx: PolicyContext,
  lastRps: number | undefined,
): string {
  const { p99Ms, errorRatio, rps } = aggregate(observation);
  const latency =
    p99Ms === undefined ? "l?" : `l${bin(p99Ms / ctx.objectives.p99LatencyMs, [0.5, 0.8, 1, 1.5])}`;
  const errors =
    errorRatio === undefined ? "e?" : `e${bin(errorRatio / ctx.objectives.errorRate, [0.5, 1, 2])}`;
  const trend = lastRps === undefined || lastRps === 0 ? "t1" : `t${bin(rps / lastRps, [0.9, 1.1])}`;
  const cpus = Object.values(observation.replicas)
    .map((r) => r.cpuUtilization)
    .filter((c): c is number => c !== undefined);
  const mean = cpus.reduce((a, b) => a + b, 0) / Math.max(cpus.length, 1);
  const cv = mean > 0 ? Math.sqrt(cpus.reduce((a, c) => a + (c - mean) ** 2, 0) / cpus.length) / mean : 0;
  return `${latency}|${errors}|${trend}|c${bin(cv, [0.15, 0.4])}`;
}

/** The routing an action leads to, before guardrails. */
export function applyAction(action: QAction, observation: Observation, ctx: PolicyContext): RoutingKnobs {
  const current = ctx.current;
  switch (action) {
    case "hold":
      return current;
    case "lb-least-request":
      return { ...current, algorithm: "LEAST_REQUEST" };
    case "lb-round-robin":
      return { ...current, algorithm: "ROUND_ROBIN" };
    case "outlier-detection-on":
      return { ...current, outlierDetection: OUTLIER_ON };
    case "outlier-detection-off":
      return { ...current, outlierDetection: undefined };
    case "hedge-at-p95": {
      const { p95Ms } = aggregate(observation);
      if (!ctx.hedgingAllowed || p95Ms === undefined) return current;
      return {
        ...current,
        retries: { attempts: 1, perTryTimeoutMs: Math.max(1, Math.round(p95Ms)), hedge: true },
      };
    }
    case "hedge-off":
      return { ...current, retries: undefined };
    case "shift-to-fastest": {
      const measured = Object.entries(observation.subsets).filter(([, s]) => s.p99Ms !== undefined);
      if (measured.length < 2) return current;
      measured.sort(([, a], [, b]) => (a.p99Ms as number) - (b.p99Ms as number));
      const [fastest] = measured[0];
      const [slowest] = measured[measured.length - 1];
      const weights = { ...current.weights };
      weights[fastest] = (weights[fastest] ?? 0) + ctx.guardrails.maxStep;
      weights[slowest] = (weights[slowest] ?? 0) - ctx.guardrails.maxStep;
      return { ...current, weights };
    }
  }
}

export function qLearning(
  parameters: QLearningParameters = DEFAULT_Q_PARAMETERS,
  pretrained?: QTable,
): Policy<QLearningState> {
  return {
    name: "q-learning",
    initialState: () => ({ table: pretrained ?? emptyQTable(Q_ACTIONS) }),
    decide(observation: Observation, state: QLearningState, ctx: PolicyContext) {
      if (observation.stale) {
        return {
          decision: { routing: ctx.current, explanation: "Telemetry is stale; holding and not learning." },
          state,
        };
      }
      const s = discretize(observation, ctx, state.lastRps);
      const r = reward(observation, ctx.objectives);
      let table = state.table;
      let learned = "";
      if (state.previous && r) {
        const step = qUpdate(table, { ...state.previous, reward: r.total, next: s }, parameters);
        table = step.table;
        learned = ` Learned from "${Q_ACTIONS[state.previous.action]}": reward ${r.total.toFixed(2)} (latency ${r.latency.toFixed(2)}, errors ${r.errors.toFixed(2)}, cost ${r.cost.toFixed(2)}).`;
      }
      const { action, explored } = chooseAction(table, s, parameters, ctx.random);
      const name = Q_ACTIONS[action];
      const proposed = applyAction(name, observation, ctx);
      const q = qValues(table, s);
      const why = explored
        ? `explored (epsilon ${epsilon(table, parameters).toFixed(3)})`
        : `greedy: Q ${q[action].toFixed(2)} against hold ${q[0].toFixed(2)}`;
      const decision: Decision = {
        routing: proposed,
        explanation: `State ${s}: chose "${name}", ${why}.${learned}`,
        reward: r,
      };
      return {
        decision,
        state: { table, previous: { state: s, action }, lastRps: aggregate(observation).rps },
      };
    },
    // What was in force was "hold": credit the reward that follows to it.
    held: (state) => (state.previous ? { ...state, previous: { ...state.previous, action: 0 } } : state),
  };
}
