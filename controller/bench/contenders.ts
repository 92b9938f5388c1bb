/**
 * Everything the benchmark compares: per-request peers that exist only in the simulator, and
 * Meshpilot's policies, which act only through the knobs the production actuator can set.
 */

import { DEFAULT_GUARDRAILS } from "../../api/guardrail-limits.js";
import { Random } from "../../common/random.js";
import type { QLearningState } from "../policy/q-learning.js";
import { DEFAULT_Q_PARAMETERS, type QTable } from "../policy/q-table.js";
import { createPolicy, type PolicyName } from "../policy/registry.js";
import { aggregate } from "../policy/reward.js";
import { simulateControl } from "../sim/control-loop.js";
import { type SimulationResult, sampleServiceTime, simulate } from "../sim/engine.js";
import { ENVOY_OUTLIER_DEFAULTS, type Routing } from "../sim/model.js";
import type { Scenario } from "../sim/scenario.js";
import type { TelemetryModel } from "../sim/telemetry-model.js";

export interface RunOutcome {
  readonly result: SimulationResult;
  /** Request-weighted p99 per control interval: [seconds, ms]. */
  readonly timeline: readonly [number, number][];
}

export interface Contender {
  readonly name: string;
  readonly kind: "peer" | "meshpilot";
  readonly description: string;
  /** `telemetry` overrides the scenario's (the bench's telemetry ladder); peers see no telemetry. */
  run(
    scenario: Scenario,
    seed: number,
    pretrained?: QTable,
    telemetry?: Partial<TelemetryModel>,
  ): Promise<RunOutcome>;
}

/** Istio's default: LEAST_REQUEST, with outlier detection at Envoy's defaults as our DestinationRules set it. */
export const ISTIO_DEFAULT: Pick<Routing, "algorithm" | "outlierDetection"> = {
  algorithm: "LEAST_REQUEST",
  outlierDetection: ENVOY_OUTLIER_DEFAULTS,
};

function withRouting(scenario: Scenario, seed: number, routing: Partial<Routing>) {
  return { ...scenario.config, seed, routing: { ...scenario.config.routing, ...routing } };
}

function peer(name: string, description: string, routing: (s: Scenario) => Partial<Routing>): Contender {
  return {
    name,
    kind: "peer",
    description,
    async run(scenario, seed) {
      const timeline: [number, number][] = [];
      const result = simulate(withRouting(scenario, seed, routing(scenario)), {
        onInterval(o) {
          const { p99Ms } = aggregate(o);
          if (p99Ms !== undefined) timeline.push([o.atMs / 1000, p99Ms]);
          return undefined;
        },
      });
      return { result, timeline };
    },
  };
}

/** A static hedge delay: the p95 of a healthy replica's service time, sampled once from the scenario. */
export function staticHedgeDelayMs(scenario: Scenario): number {
  const random = new Random(7);
  const spec = scenario.config.replicas[0].serviceTime;
  const samples = Array.from({ length: 20_000 }, () => sampleServiceTime(spec, random)).sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length * 0.95)]);
}

/** The same run options every Meshpilot contender and training episode uses. */
function loopOptions(scenario: Scenario, telemetry?: Partial<TelemetryModel>) {
  return {
    objectives: scenario.objectives,
    guardrails: DEFAULT_GUARDRAILS,
    hedgingAllowed: true,
    telemetry: { ...scenario.telemetry, ...telemetry },
  };
}

function meshpilot(name: PolicyName, description: string, evaluation = false): Contender {
  return {
    name,
    kind: "meshpilot",
    description,
    async run(scenario, seed, pretrained, telemetry) {
      const policy = createPolicy(name, {
        pretrained,
        qParameters: evaluation ? EVALUATION_Q_PARAMETERS : undefined,
      });
      const run = await simulateControl(
        withRouting(scenario, seed, { ...ISTIO_DEFAULT, retries: undefined }),
        policy,
        loopOptions(scenario, telemetry),
      );
      const timeline = run.decisions
        .filter((d) => d.servedP99Ms !== undefined)
        .map((d): [number, number] => [d.atMs / 1000, d.servedP99Ms as number]);
      return { result: run.result, timeline };
    },
  };
}

/** Evaluation explores only at the floor rate; training uses the defaults. */
const EVALUATION_Q_PARAMETERS = { ...DEFAULT_Q_PARAMETERS, epsilonStart: DEFAULT_Q_PARAMETERS.epsilonMin };

export const CONTENDERS: readonly Contender[] = [
  peer("round-robin", "Envoy ROUND_ROBIN, no outlier detection", () => ({
    algorithm: "ROUND_ROBIN",
    outlierDetection: undefined,
  })),
  peer("random", "Envoy RANDOM, no outlier detection", () => ({
    algorithm: "RANDOM",
    outlierDetection: undefined,
  })),
  peer(
    "istio-default",
    "LEAST_REQUEST (two choices drawn with replacement, as Envoy's N_CHOICES does) with default outlier detection",
    () => ISTIO_DEFAULT,
  ),
  peer(
    "least-request-full-scan",
    "Envoy's LEAST_REQUEST with selection_method FULL_SCAN: the fewest active requests of all hosts, ties broken at random (join-shortest-queue; least_request_lb.cc). Istio's DestinationRule does not expose it",
    () => ({ algorithm: "LEAST_REQUEST_FULL_SCAN", outlierDetection: undefined }),
  ),
  peer(
    "orca-wrr",
    "Envoy's client_side_weighted_round_robin: weights qps / (utilization + eps/qps) from ORCA reports on every response, recomputed every second, 10 s blackout, median weight for hosts without one (client_side_weighted_round_robin_lb.cc; Envoy Gateway's backend utilization)",
    () => ({ algorithm: "ORCA_WRR", outlierDetection: undefined }),
  ),
  peer(
    "prequal",
    "Prequal (Wydrowski et al., NSDI 2024): asynchronous probes (3 per request, 1 ms round trip) into a pool of 16, aged out after 1 s and used at most twice; hot-cold lexicographic choice on requests in flight and the server's latency estimate at its current load",
    () => ({ algorithm: "PREQUAL", outlierDetection: undefined }),
  ),
  peer(
    "peak-ewma",
    "Linkerd's balancer: power of two choices on peak-EWMA latency x pending (decay 10 s, default RTT 30 ms)",
    () => ({
      algorithm: "PEAK_EWMA",
      outlierDetection: undefined,
    }),
  ),
  peer("oracle", "Knows every replica's true speed and queue: the practical limit", () => ({
    algorithm: "ORACLE",
    outlierDetection: undefined,
  })),
  peer(
    "static-hedge-k2",
    "Round robin with one hedge after a fixed delay (a healthy replica's p95)",
    (s) => ({
      algorithm: "ROUND_ROBIN",
      outlierDetection: undefined,
      retries: { attempts: 1, perTryTimeoutMs: staticHedgeDelayMs(s), hedge: true },
    }),
  ),
  meshpilot(
    "q-learning",
    "Meshpilot Q-learning controller (seed 000): state sees the worst pod against the median, actions are the levers (quarantine lane, hedging, ejection by per-try timeout, weights, outlier detection), with least-request's full scan by default; pre-trained on 20 episodes of the scenario with other seeds, evaluated nearly greedy",
    true,
  ),
  meshpilot(
    "thompson-k1",
    "Meshpilot Thompson sampling (seed 001): per-subset weights and per-pod arms driving the quarantine lane, least-request's full scan, no hedging (k=1)",
  ),
  meshpilot("thompson-k2", "Meshpilot Thompson sampling as k=1, with one hedge at the learned p95 (k=2)"),
  meshpilot("thompson-k3", "Meshpilot Thompson sampling as k=1, with up to two hedges (k=3)"),
];

export function contender(name: string): Contender {
  const c = CONTENDERS.find((x) => x.name === name);
  if (!c) throw new Error(`unknown policy '${name}'; known: ${CONTENDERS.map((x) => x.name).join(", ")}`);
  return c;
}

/**
 * Trains the Q-learning controller on `episodes` runs of the scenario with training seeds that
 * never overlap the evaluation seeds; returns the table and the mean reward of each episode.
 */
export async function trainQLearning(
  scenario: Scenario,
  episodes: number,
  start?: QTable,
): Promise<{ table: QTable; curve: number[] }> {
  let table: QTable | undefined = start;
  const curve: number[] = [];
  for (let e = 0; e < episodes; e++) {
    const config = withRouting(scenario, 1_000_000 + e, { ...ISTIO_DEFAULT, retries: undefined });
    const run = await simulateControl(
      config,
      createPolicy("q-learning", { pretrained: table }),
      loopOptions(scenario),
    );
    table = (run.finalState as QLearningState).table;
    const rewards = run.decisions.map((d) => d.reward?.total).filter((r): r is number => r !== undefined);
    curve.push(rewards.reduce((a, b) => a + b, 0) / Math.max(rewards.length, 1));
  }
  return { table: table as QTable, curve };
}
