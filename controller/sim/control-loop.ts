/**
 * The simulator's runner for the control loop: every control interval it observes through the
 * simulated metrics source, reads the declared routing, calls the same control step the
 * reconciler calls, and writes through the simulated actuator. The bench, `npm run simulate`
 * and pretraining all run policies through here, so they score the loop users run, safety rules
 * and all.
 */
import { Random } from "../../common/random.js";
import { DEFAULT_SAFETY } from "../control/safety.js";
import { controlStep, type StepKind, type StepMemory, type StepSettings } from "../control/step.js";
import type { Observation } from "../metrics/observation.js";
import type { Policy, RoutingKnobs } from "../policy/policy.js";
import { aggregate, type RewardTerms } from "../policy/reward.js";
import { type SimulationConfig, type SimulationResult, steppedSimulation } from "./engine.js";
import { SimulatedActuator } from "./sim-actuator.js";
import { SimulatedMetrics } from "./sim-metrics.js";
import { PRODUCTION_TELEMETRY, type TelemetryModel, windowOf } from "./telemetry-model.js";

export interface ControlRunOptions extends Omit<StepSettings, "mode" | "paused" | "safety"> {
  /** @default "act" */
  readonly mode?: StepSettings["mode"];
  /** @default false */
  readonly paused?: boolean;
  /** @default DEFAULT_SAFETY */
  readonly safety?: StepSettings["safety"];
  /** @default PRODUCTION_TELEMETRY */
  readonly telemetry?: Partial<TelemetryModel>;
  /** Called with every decision as it is made (the demo prints them). */
  readonly onDecision?: (record: DecisionRecord, observation: Observation) => void;
}

export interface DecisionRecord {
  readonly atMs: number;
  readonly kind: StepKind;
  /** Request-weighted p99 across subsets in the observation the decision saw. */
  readonly observedP99Ms?: number;
  /** The same, exact, over the interval just ended: what the data plane did, as the peers' timelines show it. */
  readonly servedP99Ms?: number;
  readonly explanation: string;
  readonly reward?: RewardTerms;
  /** The declared routing after the decision. */
  readonly routing: RoutingKnobs;
  readonly changed: boolean;
  readonly safety: readonly string[];
}

export interface ControlRun {
  readonly result: SimulationResult;
  readonly decisions: readonly DecisionRecord[];
  readonly finalState: unknown;
}

const DESTINATION = { host: "simulated", namespace: "simulated", app: "simulated" };

export async function simulateControl(
  config: SimulationConfig,
  policy: Policy<unknown>,
  options: ControlRunOptions,
): Promise<ControlRun> {
  const intervalMs = config.controlIntervalMs;
  if (!intervalMs) throw new Error(`a policy run needs 'controlIntervalMs' in the scenario`);
  const model = { ...PRODUCTION_TELEMETRY, ...options.telemetry };
  const sim = steppedSimulation({
    ...config,
    scrapeIntervalMs: model.percentiles === "buckets" ? model.scrapeIntervalMs : undefined,
    scrapeOffsetMs: model.scrapeOffsetMs,
  });
  const metrics = new SimulatedMetrics(sim, model.percentiles);
  const actuator = new SimulatedActuator(sim, model.propagationDelayMs);
  const windowMs = windowOf(model, intervalMs);
  const settings: StepSettings = {
    mode: options.mode ?? "act",
    paused: options.paused ?? false,
    objectives: options.objectives,
    guardrails: options.guardrails,
    hedgingAllowed: options.hedgingAllowed,
    safety: options.safety ?? DEFAULT_SAFETY,
  };
  const random = new Random(config.seed).fork(`policy:${policy.name}`);
  let memory: StepMemory = {
    policyState: policy.initialState(Object.keys(config.routing.weights).sort()),
    stale: 0,
  };
  const decisions: DecisionRecord[] = [];
  // The first decision waits for a full telemetry window. In a cluster the controller joins a mesh
  // whose counters have history; the simulated mesh starts empty at t=0, and a rate over a window
  // reaching back before a series' first scrape reads low (Prometheus extrapolates a young series
  // only so far), which would make every figure, CPU included, look lighter than it is.
  const firstMs = Math.ceil(windowMs / intervalMs) * intervalMs;
  for (let atMs = firstMs; atMs <= config.durationMs; atMs += intervalMs) {
    sim.advanceTo(atMs);
    const destination = { ...DESTINATION, lane: actuator.declared.lane?.quarantined };
    const { observations } = await metrics.observe([destination], windowMs, atMs);
    const observation = observations.get(DESTINATION.host) as Observation;
    const live = actuator.declared;
    const step = controlStep(policy, settings, memory, {
      observation,
      live,
      nowMs: atMs,
      random,
      canWrite: actuator.writes,
    });
    let ok = true;
    if (step.action.kind === "apply") ok = (await actuator.apply(DESTINATION, live, step.action.to)).ok;
    else if (step.action.kind === "restore") ok = (await actuator.restore()).ok;
    memory = ok ? step.next.applied : step.next.failed;
    const record: DecisionRecord = {
      atMs,
      kind: step.kind,
      observedP99Ms: aggregate(observation).p99Ms,
      servedP99Ms: sim.lastObservation ? aggregate(sim.lastObservation).p99Ms : undefined,
      explanation: step.explanation,
      reward: step.reward,
      routing: actuator.declared,
      changed: step.action.kind !== "none",
      safety: step.safety,
    };
    decisions.push(record);
    options.onDecision?.(record, observation);
  }
  sim.advanceTo(config.durationMs);
  return { result: sim.result(), decisions, finalState: memory.policyState };
}
