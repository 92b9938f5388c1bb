/**
 * One trace through one autoscaler, in 5-second ticks, with what production sees rather than the
 * truth: the HPA reads CPU utilization as metrics-server reports it (the mean of a 15 s window that
 * ended 15 s before the sync, its --metric-resolution); the scaler reads the request rate and
 * utilization of the minute that ended 15 s earlier (a Prometheus rate over 1m at one scrape's lag).
 * New pods wait for a node and their start-up (fleet.ts). The score is the ground truth of the
 * service model: the share of each minute's requests slower than the objective.
 *
 * Contenders:
 * - `hpa`: the HPA as the tree configures it, alone.
 * - `predictive-<forecaster>`: the scaler writes the HPA's minReplicas every minute; the HPA (the
 *   same, with its scale-up held for the spike filter's window) acts above it.
 * - `oracle`: knows the load one ready-time ahead and sets replicas to it at the target utilization;
 *   what perfect foresight costs, under the same start-up delays.
 */
import { FORECASTERS } from "../../api/intent/autoscaling-schema.js";
import { ENVOY_SCRAPE_INTERVAL_SECONDS } from "../../api/optimizer.js";
import { Random } from "../../common/random.js";
import { UnknownNameError } from "../unknown-name-error.js";
import { Fleet } from "./fleet.js";
import {
  HPA_SYNC_PERIOD_MS,
  HPA_TOLERANCE,
  type HpaSpec,
  type HpaState,
  hpaStep,
  INITIAL_HPA_STATE,
} from "./hpa-model.js";
import { type OnlineForecaster, onlineForecaster } from "./online-forecast.js";
import { type AutoscalingProfile, readyTimeQuantileMs } from "./profile.js";
import { type Announcement, initialScalerState, type ScalerSettings, type ScalerState } from "./scaler.js";
import { LEARN_EXCURSION_AFTER_MS, reactiveFloor, scalerStep } from "./scaler-step.js";
import { applyPolicy, type ScalingPolicy } from "./scaling-policy.js";
import { p99LatencyMs, serveTick } from "./service-model.js";
import type { Trace } from "./trace.js";

export const TICK_MS = 5000;
/** metrics-server's --metric-resolution default, the window and the lag of what the HPA reads. */
const METRICS_RESOLUTION_MS = 15_000;
/** One Prometheus scrape (Envoy's 15 s interval): how late the scaler's minute arrives. */
const SCRAPE_LAG_MS = ENVOY_SCRAPE_INTERVAL_SECONDS * 1000;

export const CONTENDERS = ["hpa", ...FORECASTERS.map((f) => `predictive-${f}` as const), "oracle"] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export interface MinutePoint {
  readonly minute: number;
  readonly rps: number;
  readonly replicas: number;
  readonly ready: number;
  /** The p99 the service model gives for the minute's load on its ready replicas, ms (capped). */
  readonly p99Ms: number;
  readonly violated: boolean;
}

export interface AutoscalingResult {
  readonly trace: string;
  readonly contender: ContenderName;
  readonly seed: number;
  readonly sloViolationMinutes: number;
  readonly replicaMinutes: number;
  readonly scaleUps: number;
  /** Scale-ups during a spike or within the minute after it: chasing it. */
  readonly spikeScaleUps: number;
  readonly failedRequests: number;
  readonly timeline: readonly MinutePoint[];
  /** The scaler's explanations, one per change of minReplicas (predictive contenders only). */
  readonly explanations: readonly string[];
}

export interface RunOptions {
  readonly seed: number;
  /** A user's scaling policy over the settings the profile implies. */
  readonly policy?: ScalingPolicy;
  /** Settings over those (tests). */
  readonly scaler?: Partial<ScalerSettings>;
  /** Only the first `steps` of the trace (tests). */
  readonly steps?: number;
}

/** The scaler's settings for a profile: the HPA's bounds and target, the p90 ready time as horizon. */
export function scalerSettingsFor(profile: AutoscalingProfile, stepMs: number): ScalerSettings {
  const horizonMs = readyTimeQuantileMs(profile.startup, 0.9);
  return {
    mode: "act",
    minReplicas: profile.hpa.minReplicas,
    maxReplicas: profile.hpa.maxReplicas,
    // The HPA lets utilization reach its target plus the tolerance before it acts; provisioning the
    // forecast's upper band to that is no hotter than the HPA runs, and the band is the headroom.
    targetUtilization: profile.hpa.targetUtilization * (1 + HPA_TOLERANCE),
    quantile: 0.9,
    horizonMs,
    stepMs,
    maxStep: 4,
    budgetReplicaMinutesPerDay: 24 * 60 * 2,
    spikeFilterMs: horizonMs,
    learnExcursionAfterMs: LEARN_EXCURSION_AFTER_MS,
    downStabilizationMs: profile.hpa.scaleDown.stabilizationWindowSeconds * 1000,
    // The scaler's next reading: a step and a scrape.
    floorScaleUpWindowMs: stepMs + SCRAPE_LAG_MS,
  };
}

const CAP_MS = 5000;

export function runAutoscaling(
  trace: Trace,
  profile: AutoscalingProfile,
  contender: ContenderName,
  options: RunOptions,
): AutoscalingResult {
  if (!(CONTENDERS as readonly string[]).includes(contender))
    throw new UnknownNameError("contender", contender, CONTENDERS);
  const stepMs = trace.stepSeconds * 1000;
  const steps = Math.min(trace.rps.length, options.steps ?? trace.rps.length);
  const random = new Random(options.seed).fork(`${trace.name}/${contender}`);
  // Every contender starts where the HPA would have settled for the first minute's load.
  const initial = Math.min(
    profile.hpa.maxReplicas,
    Math.max(
      profile.hpa.minReplicas,
      Math.ceil(trace.rps[0] / (profile.service.capacityRps * profile.hpa.targetUtilization)),
    ),
  );
  const fleet = new Fleet(profile.startup, random, initial, 0);
  const defaults = scalerSettingsFor(profile, stepMs);
  const settings = { ...applyPolicy(defaults, options.policy ?? {}), ...options.scaler };
  const predictive = contender.startsWith("predictive-");
  const forecaster: OnlineForecaster | undefined = predictive
    ? onlineForecaster(contender.slice("predictive-".length), { season: trace.seasonSteps })
    : undefined;
  let hpaState: HpaState = INITIAL_HPA_STATE;
  let scaler: ScalerState = { ...initialScalerState(settings, 0), minReplicas: initial };
  let screened: ScalerState = scaler;
  // The oracle looks as far ahead as a new replica takes to be ready (p90), as the scaler plans.
  const oracleHorizonMs = defaults.horizonMs;

  const ticksPerStep = stepMs / TICK_MS;
  const utilization: number[] = [];
  const rpsAt = (tick: number) => trace.rps[Math.min(steps - 1, Math.floor(tick / ticksPerStep))];
  const meanOf = (series: readonly number[], fromTick: number, toTick: number) => {
    let sum = 0;
    let n = 0;
    for (let t = Math.max(0, fromTick); t < Math.min(series.length, toTick); t++) {
      sum += series[t];
      n++;
    }
    return n === 0 ? undefined : sum / n;
  };
  const spikes = trace.events.filter((e) => e.kind === "spike");
  const calendarAt = (nowMs: number): Announcement[] =>
    trace.events
      .filter(
        (e) => e.kind === "ramp" && e.announcedAtStep !== undefined && e.announcedAtStep * stepMs <= nowMs,
      )
      .map((e) => ({ fromMs: e.fromStep * stepMs, toMs: e.toStep * stepMs, factor: e.factor }));

  let backlog = 0;
  let failed = 0;
  let replicaTicks = 0;
  let scaleUps = 0;
  let spikeScaleUps = 0;
  let minuteRequests = 0;
  let minuteSlow = 0;
  const timeline: MinutePoint[] = [];
  const explanations: string[] = [];
  let minReplicas = initial;
  let scaleUpWindowMs = 0;

  const setReplicas = (desired: number, nowMs: number) => {
    if (desired > fleet.replicas) {
      scaleUps++;
      const step = nowMs / stepMs;
      if (spikes.some((s) => step >= s.fromStep && step < s.toStep + 1)) spikeScaleUps++;
    }
    if (desired !== fleet.replicas) fleet.scaleTo(desired, nowMs);
  };

  const totalTicks = steps * ticksPerStep;
  for (let tick = 0; tick < totalTicks; tick++) {
    const nowMs = tick * TICK_MS;
    fleet.tick(nowMs);
    const resolutionTicks = METRICS_RESOLUTION_MS / TICK_MS;

    // The scaler, once a step, one scrape after the minute ended.
    if (predictive && tick % ticksPerStep === SCRAPE_LAG_MS / TICK_MS && tick >= ticksPerStep) {
      const from = tick - ticksPerStep - SCRAPE_LAG_MS / TICK_MS;
      const to = tick - SCRAPE_LAG_MS / TICK_MS;
      // The minute that ended one scrape ago.
      const rps = trace.rps[Math.floor(tick / ticksPerStep) - 1];
      const util = meanOf(utilization, from, to);
      const ready = fleet.ready(nowMs);
      const floor = reactiveFloor(profile.hpa, ready, util);
      const obs = { nowMs, rps, utilization: util, ready, floor, calendar: calendarAt(nowMs) };
      // One version: the service's total is the version's own load.
      const step = scalerStep(settings, forecaster as OnlineForecaster, {
        state: screened,
        obs,
        versions: [{ state: scaler, obs }],
      });
      screened = step.state;
      const decision = step.decisions[0];
      if (decision.minReplicas !== scaler.minReplicas)
        explanations.push(`${new Date(nowMs).toISOString()} ${decision.explanation}`);
      scaler = decision.state;
      if (decision.write !== undefined) minReplicas = decision.write;
      scaleUpWindowMs = decision.scaleUpWindowMs;
    }

    // The HPA, every sync period.
    if (contender !== "oracle" && nowMs % HPA_SYNC_PERIOD_MS === 0 && tick >= 2 * resolutionTicks) {
      const util = meanOf(utilization, tick - 2 * resolutionTicks, tick - resolutionTicks) ?? 0;
      const ready = fleet.ready(nowMs);
      const spec: HpaSpec = {
        ...profile.hpa,
        minReplicas: Math.max(profile.hpa.minReplicas, minReplicas),
        scaleUp: { ...profile.hpa.scaleUp, stabilizationWindowSeconds: scaleUpWindowMs / 1000 },
      };
      const decision = hpaStep(spec, hpaState, {
        nowMs,
        currentReplicas: fleet.replicas,
        readyUtilizations: Array.from({ length: ready }, () => util),
        unready: fleet.replicas - ready,
      });
      hpaState = decision.state;
      setReplicas(decision.replicas, nowMs);
    }
    if (contender === "oracle" && nowMs % HPA_SYNC_PERIOD_MS === 0) {
      let peak = 0;
      for (let t = tick; t <= tick + oracleHorizonMs / TICK_MS; t++) peak = Math.max(peak, rpsAt(t));
      const want = Math.ceil(peak / (profile.service.capacityRps * profile.hpa.targetUtilization));
      setReplicas(Math.min(profile.hpa.maxReplicas, Math.max(profile.hpa.minReplicas, want)), nowMs);
    }

    const rps = rpsAt(tick);
    const ready = fleet.ready(nowMs);
    const out = serveTick(profile.service, { rps, ready, backlog }, TICK_MS / 1000);
    backlog = out.backlog;
    failed += out.failed;
    utilization.push(out.utilization);
    replicaTicks += fleet.replicas;
    minuteRequests += rps * (TICK_MS / 1000);
    minuteSlow += out.slowShare * rps * (TICK_MS / 1000);
    if ((tick + 1) % ticksPerStep === 0) {
      const minute = (tick + 1) / ticksPerStep - 1;
      const violated = minuteRequests > 0 && minuteSlow / minuteRequests > 0.01;
      const p99 = ready > 0 ? Math.min(CAP_MS, p99LatencyMs(profile.service, rps / ready)) : CAP_MS;
      timeline.push({ minute, rps, replicas: fleet.replicas, ready, p99Ms: Math.round(p99), violated });
      minuteRequests = 0;
      minuteSlow = 0;
    }
  }
  return {
    trace: trace.name,
    contender,
    seed: options.seed,
    sloViolationMinutes: (timeline.filter((p) => p.violated).length * stepMs) / 60_000,
    replicaMinutes: Math.round((replicaTicks * TICK_MS) / 60_000),
    scaleUps,
    spikeScaleUps,
    failedRequests: Math.round(failed),
    timeline,
    explanations,
  };
}
