/**
 * Runs a rollout scenario with one contender through the simulator's control loop (the same
 * control step the controller runs, with production's telemetry: bucketed histograms scraped every
 * 15 s and routing that reaches the proxies 3 s after it is written), and reads off what a
 * rollout is judged on: the outcome, the time until all traffic ran the new version, and how much
 * traffic a bad canary got before it was stopped.
 */
import type { Policy } from "../policy/policy.js";
import { simulateControl } from "../sim/control-loop.js";
import type { TelemetryModel } from "../sim/telemetry-model.js";
import { FLAGGER_DEFAULTS, flaggerPolicy } from "./flagger-baseline.js";
import { rolloutPolicy } from "./rollout-policy.js";
import type { RolloutScenario } from "./rollout-scenario.js";
import {
  ROLLOUT_GUARDRAILS,
  ROLLOUT_WINDOW_MS,
  ROUTING_PROPAGATION_MS,
  rolloutSafety,
  rolloutSettingsOf,
} from "./settings.js";

export interface RolloutContender {
  readonly name: string;
  readonly kind: "meshpilot" | "baseline";
  readonly description: string;
  readonly telemetry?: Partial<TelemetryModel>;
  policy(s: RolloutScenario): Policy<unknown>;
}

/** Meshpilot reads a 30 s window (two scrapes); Flagger's checks read the tutorial's one minute. */
export const ROLLOUT_CONTENDERS: readonly RolloutContender[] = [
  {
    name: "meshpilot",
    kind: "meshpilot",
    description:
      "evidence-paced steps (×5 at most, within the exposure budget), a sequential latency test per weight and a Beta posterior on errors, 30 s windows",
    telemetry: { windowMs: ROLLOUT_WINDOW_MS },
    policy: (s) =>
      rolloutPolicy(
        rolloutSettingsOf(
          { ...s.rollout, gates: [], approvedGates: [] },
          s.simulation.config.controlIntervalMs ?? 15_000,
        ),
      ) as Policy<unknown>,
  },
  ...[FLAGGER_DEFAULTS.threshold, 5].map(
    (threshold): RolloutContender => ({
      name: `flagger-threshold-${threshold}`,
      kind: "baseline",
      description: `Flagger's analysis: +${FLAGGER_DEFAULTS.stepWeight}% every ${FLAGGER_DEFAULTS.intervalMs / 1000} s up to ${FLAGGER_DEFAULTS.maxWeight}%, rollback after ${threshold} failed check${threshold > 1 ? "s" : ""} (${threshold === 1 ? "Flagger's default" : "the Istio tutorial's"}), 1 min windows`,
      telemetry: { windowMs: 60_000 },
      policy: (s) =>
        flaggerPolicy({
          stable: s.rollout.stable,
          canary: s.rollout.canary,
          ...FLAGGER_DEFAULTS,
          threshold,
        }) as Policy<unknown>,
    }),
  ),
];

export interface RolloutOutcome {
  readonly scenario: string;
  readonly contender: string;
  readonly seed: number;
  readonly phase: string;
  readonly expect: "promote" | "abort";
  /** Promoted a canary that should have been, or aborted one that should have been. */
  readonly correct: boolean;
  /** When all traffic first went to the new version, in seconds after the rollout started. */
  readonly fullAtS?: number;
  /** When the canary's traffic went back to zero after an abort, in seconds after the rollout started. */
  readonly abortedAtS?: number;
  /** Canary weight × minutes, until it was aborted or fully promoted (or the run ended). */
  readonly exposurePercentMinutes: number;
  /** [seconds since the rollout started, canary weight declared] per decision. */
  readonly timeline: readonly (readonly [number, number])[];
}

export async function runRollout(
  scenario: RolloutScenario,
  contender: RolloutContender,
  seed: number,
): Promise<RolloutOutcome> {
  const sim = scenario.simulation;
  const canary = scenario.rollout.canary;
  const run = await simulateControl({ ...sim.config, seed }, contender.policy(scenario), {
    objectives: sim.objectives,
    guardrails: ROLLOUT_GUARDRAILS,
    hedgingAllowed: false,
    safety: rolloutSafety(),
    telemetry: { ...sim.telemetry, propagationDelayMs: ROUTING_PROPAGATION_MS, ...contender.telemetry },
  });
  // Times count from the rollout's start, its first canary traffic: each contender starts at its
  // own first decision, which waits for its first full window.
  const all = run.decisions.map((d) => [d.atMs / 1000, d.routing.weights[canary] ?? 0] as const);
  const startS = all.find(([, w]) => w > 0)?.[0] ?? 0;
  const timeline = all.filter(([t]) => t >= startS).map(([t, w]) => [t - startS, w] as const);
  const phase = (run.finalState as { phase: string }).phase;
  const full = timeline.find(([, w]) => w === 100)?.[0];
  let aborted: number | undefined;
  if (phase === "Aborted") {
    const lastZero = timeline.findLastIndex(([, w]) => w > 0) + 1;
    aborted = timeline[lastZero]?.[0];
  }
  const end = aborted ?? full ?? timeline.at(-1)?.[0] ?? 0;
  let exposure = 0;
  for (let i = 1; i < timeline.length && timeline[i - 1][0] < end; i++)
    exposure += timeline[i - 1][1] * ((Math.min(timeline[i][0], end) - timeline[i - 1][0]) / 60);
  return {
    scenario: scenario.name,
    contender: contender.name,
    seed,
    phase,
    expect: scenario.expect,
    correct: scenario.expect === "promote" ? phase === "Promoted" : phase === "Aborted",
    fullAtS: full,
    abortedAtS: aborted,
    exposurePercentMinutes: exposure,
    timeline,
  };
}
