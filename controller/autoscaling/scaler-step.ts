/**
 * The scaler's one step for one service, shared by every runner: the simulator's run, the bench,
 * and the controller's autoscaling pass. The forecaster learns the service's total request rate
 * (screened, so a spike does not bend it) and forecasts it; each version is then decided on its
 * share of that forecast, with its own telemetry, capacity and guardrails. The share is the one the
 * version served over the last step: routing moves it, and the HPA covers a move the forecast
 * cannot know about.
 */
import type { ResolvedAutoscalingSpec } from "../../api/intent/autoscaling-schema.js";
import { ENVOY_SCRAPE_INTERVAL_SECONDS } from "../../api/optimizer.js";
import type { Forecast } from "./forecast.js";
import { HPA_DEFAULT_SCALE_DOWN, HPA_TOLERANCE } from "./hpa-model.js";
import type { OnlineForecaster } from "./online-forecast.js";
import {
  decide,
  type ScalerDecision,
  type ScalerObservation,
  type ScalerSettings,
  type ScalerState,
  screen,
} from "./scaler.js";

export interface VersionStep {
  readonly state: ScalerState;
  readonly obs: ScalerObservation;
  /** The version's own bounds and target (its HPA's); by default the service's settings. */
  readonly settings?: ScalerSettings;
}

export interface ServiceStep {
  /** The screening state of the service's total load (excursions are judged on the total). */
  readonly state: ScalerState;
  /** The total's observation: its rps is what the forecaster learns. */
  readonly obs: ScalerObservation;
  readonly versions: readonly VersionStep[];
}

export interface ServiceDecision {
  readonly state: ScalerState;
  readonly decisions: readonly ScalerDecision[];
  /** The forecast of the total over the horizon, undefined while the forecaster has too little history. */
  readonly ahead?: Forecast;
}

function scaled(forecast: Forecast | undefined, share: number): Forecast | undefined {
  return (
    forecast && { mean: forecast.mean.map((m) => m * share), upper: forecast.upper.map((u) => u * share) }
  );
}

export function scalerStep(
  settings: ScalerSettings,
  forecaster: OnlineForecaster,
  step: ServiceStep,
): ServiceDecision {
  const oneStep = forecaster.forecast(1, settings.quantile);
  const total = screen(settings, step.state, step.obs, oneStep);
  if (Number.isFinite(total.feed)) forecaster.observe(total.feed, step.obs.rps);
  const horizonSteps = Math.max(1, Math.ceil(settings.horizonMs / settings.stepMs));
  const ahead = forecaster.forecast(horizonSteps, settings.quantile);
  const totalRps = step.obs.rps;
  const decisions = step.versions.map((v) => {
    // With no load at all, each version keeps an equal part, so none is planned for nothing.
    const share =
      totalRps === undefined || v.obs.rps === undefined
        ? 0
        : totalRps > 0
          ? v.obs.rps / totalRps
          : 1 / step.versions.length;
    const own = screen(v.settings ?? settings, v.state, v.obs, scaled(oneStep, share));
    // Whether a rise is a spike or a surge is the total's call: a version's share of it is noisier.
    const screening = { ...own, surge: total.surge, filtered: total.filtered };
    return decide(v.settings ?? settings, v.state, v.obs, screening, scaled(ahead, share));
  });
  return { state: total.state, decisions, ahead };
}

/** The HPA a version's settings are bounded by. */
export interface HpaBounds {
  /** Git's minReplicas: the scaler never sets less. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The HPA's CPU target, as a fraction. */
  readonly targetUtilization: number;
  /** The HPA's scale-down stabilization window; Kubernetes' 300 s when unset. */
  readonly scaleDownWindowSeconds?: number;
}

/**
 * What the HPA would run without the scaler, from its usage ratio alone (no tolerance, no rate
 * limits) within its bounds: the floor the replica-minute budget counts from. No reading counts as
 * no use.
 */
export function reactiveFloor(hpa: HpaBounds, ready: number, utilization: number | undefined): number {
  return Math.min(
    hpa.maxReplicas,
    Math.max(hpa.minReplicas, Math.ceil((ready * (utilization ?? 0)) / hpa.targetUtilization)),
  );
}

/** What an intent's `spec.autoscaling` asks for, for one version bounded by its HPA. */
export function intentScalerSettings(
  spec: ResolvedAutoscalingSpec,
  hpa: HpaBounds,
  stepMs: number,
): ScalerSettings {
  const horizonMs = spec.readySeconds * 1000;
  return {
    mode: spec.mode,
    minReplicas: hpa.minReplicas,
    maxReplicas: hpa.maxReplicas,
    // As in the simulator (scalerSettingsFor): the HPA lets utilization reach its target plus
    // the tolerance before it acts, and the forecast's band is the headroom.
    targetUtilization: hpa.targetUtilization * (1 + HPA_TOLERANCE),
    quantile: spec.quantile,
    horizonMs,
    stepMs,
    maxStep: spec.maxStep,
    budgetReplicaMinutesPerDay: spec.budgetReplicaMinutesPerDay,
    spikeFilterMs: (spec.spikeFilterSeconds ?? spec.readySeconds) * 1000,
    learnExcursionAfterMs: LEARN_EXCURSION_AFTER_MS,
    downStabilizationMs:
      (hpa.scaleDownWindowSeconds ?? HPA_DEFAULT_SCALE_DOWN.stabilizationWindowSeconds) * 1000,
    floorScaleUpWindowMs: stepMs + ENVOY_SCRAPE_INTERVAL_SECONDS * 1000,
  };
}

/** An excursion that lasts six hours is a new level, not an event: the forecaster learns it. */
export const LEARN_EXCURSION_AFTER_MS = 6 * 3_600_000;
