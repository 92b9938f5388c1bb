/**
 * The Q-learning controller (seed 000): a tabular agent over a discretized view of the mesh, the
 * worst pod against the median one included, that turns the routing levers (the quarantine lane,
 * hedging, ejection by per-try timeout, subset weights, outlier detection on; least-request scans
 * every host by default) and learns from the multi-objective reward of the interval that follows.
 * Turning outlier detection off is not among them: it never helps a scenario of the bench and
 * exploring it costs errors. It explores only inside the control step's guardrails and bounds,
 * which apply to whatever it proposes.
 */

import { meanUtilization } from "../control/safety.js";
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
import { INITIAL_LANES, type LaneState, proposeLane } from "./replica-lanes.js";
import { aggregate, reward } from "./reward.js";

/** Actions, "hold" first so that it wins ties in an untrained table. */
export const Q_ACTIONS = [
  "hold",
  "lane-worst",
  "lane-release",
  "hedge-at-p95",
  "hedge-off",
  "eject-slow",
  "shift-to-fastest",
  "outlier-detection-on",
  "lb-least-request",
] as const;
export type QAction = (typeof Q_ACTIONS)[number];

export interface QLearningState {
  readonly table: QTable;
  /** The state and action of the last decision, awaiting its reward. */
  readonly previous?: { readonly state: string; readonly action: number };
  /** Per-pod posteriors and lane times, for the shared way back from the lane. */
  readonly lanes?: LaneState;
}

/** Envoy's outlier-detection defaults, the setting "outlier-detection-on" writes. */
const OUTLIER_ON = {
  consecutive5xxErrors: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
};

const FULL_SCAN = { choiceCount: 2, fullScan: true } as const;

/** Outlier detection for the ejection lever: quicker to eject than the default, a third at most. */
const EJECT_SLOW = {
  consecutive5xxErrors: 3,
  intervalMs: 5_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 34,
};

/** A pod this many times the median pod (p50, errors weighed in) is an outlier: the state's w1 and up. */
const OUTLIER_RATIO = 2;

function bin(value: number, edges: readonly number[]): number {
  let i = 0;
  while (i < edges.length && value >= edges[i]) i++;
  return i;
}

/** The serving pod whose p50 stands furthest above the serving pods' median, and by how much. */
export function worstPod(
  observation: Observation,
  lane: readonly string[],
): { pod: string; ratio: number } | undefined {
  const serving = Object.entries(observation.replicas)
    .filter(([pod, r]) => !lane.includes(pod) && r.rps > 0 && r.p50Ms !== undefined)
    .map(([pod, r]) => ({ pod, p50: r.p50Ms as number, errors: r.errorRatio ?? 0 }));
  if (serving.length < 3) return undefined;
  const sorted = serving.map((s) => s.p50).sort((a, b) => a - b);
  const median = Math.max(sorted[Math.floor(sorted.length / 2)], 1e-6);
  // An erroring pod is as bad as a slow one: count each point of errors as a doubling of latency.
  const score = (s: (typeof serving)[number]) => (s.p50 / median) * 2 ** (s.errors * 100);
  const worst = serving.reduce((a, b) =>
    score(b) > score(a) || (score(b) === score(a) && b.pod < a.pod) ? b : a,
  );
  return { pod: worst.pod, ratio: score(worst) };
}

/**
 * The discretized state: p99 against the objective, errors against the budget, the worst serving
 * pod against the median pod, whether CPU is short, and the levers in force (a lane, hedging,
 * least-request's full scan), so that the table can tell an action's effect from its setting.
 */
export function discretize(observation: Observation, ctx: PolicyContext): string {
  const { p99Ms, errorRatio } = aggregate(observation);
  const latency =
    p99Ms === undefined ? "l?" : `l${bin(p99Ms / ctx.objectives.p99LatencyMs, [0.5, 0.8, 1, 1.5])}`;
  const errors =
    errorRatio === undefined ? "e?" : `e${bin(errorRatio / ctx.objectives.errorRate, [0.5, 1, 2])}`;
  const lane = ctx.current.lane?.quarantined ?? [];
  const worst = worstPod(observation, lane);
  const w = worst === undefined ? "w?" : `w${bin(worst.ratio, [OUTLIER_RATIO, 5])}`;
  const cpu = meanUtilization(observation);
  const c = cpu === undefined ? "c?" : `c${bin(cpu, [0.85])}`;
  const retries = ctx.current.retries?.hedge ? "h" : ctx.current.retries?.onTimeout ? "r" : "-";
  const levers = `${lane.length > 0 ? "q" : "-"}${retries}`;
  return `${latency}|${errors}|${w}|${c}|${levers}`;
}

/** The routing an action leads to, before the control step's guardrails and bounds. */
export function applyAction(action: QAction, observation: Observation, ctx: PolicyContext): RoutingKnobs {
  const current = ctx.current;
  switch (action) {
    case "hold":
      return current;
    case "lane-worst": {
      const lane = current.lane?.quarantined ?? [];
      const worst = worstPod(observation, lane);
      // Only a pod that stands out: the lane is for an outlier, not for the slowest of equals.
      if (!worst || worst.ratio < OUTLIER_RATIO) return current;
      return {
        ...current,
        lane: { quarantined: [...lane, worst.pod], probePercent: ctx.hedgingAllowed ? 1 : 0 },
      };
    }
    case "lane-release":
      return { ...current, lane: undefined };
    case "lb-least-request":
      return { ...current, algorithm: "LEAST_REQUEST" };
    case "outlier-detection-on":
      return { ...current, outlierDetection: OUTLIER_ON };
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
    case "eject-slow": {
      // A try slower than the fleet's p99 is abandoned and retried elsewhere, and the timeouts,
      // counted as gateway errors, eject the slow pod for a while: the proxy's own quarantine.
      // The timeout sits well above the tail (four times the p99, at least twice the objective),
      // so that only a pod that has really slowed trips it; two retries keep an unlucky request
      // from failing on the tail alone.
      const { p99Ms } = aggregate(observation);
      if (!ctx.hedgingAllowed || p99Ms === undefined) return current;
      const timeoutMs = Math.round(Math.max(4 * p99Ms, 2 * ctx.objectives.p99LatencyMs));
      return {
        ...current,
        retries: { attempts: 2, perTryTimeoutMs: timeoutMs, onTimeout: true },
        outlierDetection: EJECT_SLOW,
      };
    }
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
      const s = discretize(observation, ctx);
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
      const chosen = applyAction(name, observation, ctx);
      // The way back from the lane follows the shared rules (probes like the fleet's, time up, the
      // serving pods far outside the SLO a window on), whatever the table says: a pod left in the
      // lane after its fault has moved on costs capacity the table may not have learned to see.
      const back = proposeLane(observation, state.lanes ?? INITIAL_LANES, ctx, { admit: false });
      const now = ctx.current.lane?.quarantined ?? [];
      const kept = (chosen.lane?.quarantined ?? []).filter(
        (p) => !now.includes(p) || (back.lane?.quarantined ?? []).includes(p),
      );
      const proposed: RoutingKnobs = {
        ...chosen,
        // Least-request scans every host, as the Thompson policy has it: join-shortest-queue is at
        // least as good as two choices in every scenario of the bench, so it is a default, not a
        // choice the table must learn from scratch.
        ...(chosen.algorithm === "LEAST_REQUEST" ? { leastRequest: FULL_SCAN } : {}),
        lane:
          kept.length > 0 ? { quarantined: kept, probePercent: chosen.lane?.probePercent ?? 0 } : undefined,
      };
      const q = qValues(table, s);
      const why = explored
        ? `explored (epsilon ${epsilon(table, parameters).toFixed(3)})`
        : `greedy: Q ${q[action].toFixed(2)} against hold ${q[0].toFixed(2)}`;
      const decision: Decision = {
        routing: proposed,
        explanation: `State ${s}: chose "${name}", ${why}.${learned}${back.note}`,
        reward: r,
      };
      return {
        decision,
        state: { table, previous: { state: s, action }, lanes: back.state },
      };
    },
    // What was in force was "hold": credit the reward that follows to it.
    held: (state) => (state.previous ? { ...state, previous: { ...state.previous, action: 0 } } : state),
  };
}
