/**
 * The predictive scaler's decision, pure (the clock comes in the observation, the forecast from
 * the runner's forecaster). Every step it reads the request rate and CPU utilization of the step
 * that just ended and sets the HPA's minReplicas for the moment a replica asked for now would be
 * ready, so capacity arrives before the load. The HPA stays in charge above that floor: a forecast
 * that is too low cannot starve the service, only fail to help.
 *
 * Two halves, called in order by the runner:
 * 1. `screen` compares the observation with the one-step forecast made before it. A value beyond
 *    twice the band's width above the forecast starts an excursion; until the excursion has lasted `spikeFilterMs`, and
 *    unless it is still growing, it is taken for a transient spike and not chased. Either way the
 *    forecaster learns the forecast instead of the excursion until it has lasted
 *    `learnExcursionAfterMs`, so an event does not bend the seasonal forecast after it.
 * 2. `decide` turns the forecast for the next `horizonMs` (its upper quantile, a followed surge
 *    extrapolated, an announced event scaled in) into replicas at the target utilization, with the
 *    capacity per replica learned from telemetry, then applies the guardrails: min and max, the
 *    largest step, the daily replica-minute budget above the HPA's floor, observe mode.
 * Missing telemetry freezes it at its last value and lets the HPA act alone.
 */
import type { Forecast } from "./forecast.js";

export interface ScalerSettings {
  readonly mode: "observe" | "act";
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Provision for this CPU utilization of the requests (the HPA's target). */
  readonly targetUtilization: number;
  /** The forecast's upper quantile provisioned for, e.g. 0.9. */
  readonly quantile: number;
  /** How long a replica asked for now takes to be ready: how far ahead it provisions. */
  readonly horizonMs: number;
  /** One observation and one decision per step. */
  readonly stepMs: number;
  /** Most replicas minReplicas may move in one decision. */
  readonly maxStep: number;
  /** Replica-minutes above the HPA's floor the scaler may add per day. */
  readonly budgetReplicaMinutesPerDay: number;
  /** An excursion is followed after this long, or at once while it keeps growing. */
  readonly spikeFilterMs: number;
  /** An excursion the forecaster learns from once it has lasted this long: a new level, not an event. */
  readonly learnExcursionAfterMs: number;
  /** minReplicas falls only to the highest need of this window (the HPA's 300 s by default). */
  readonly downStabilizationMs: number;
  /**
   * While the scaler forecasts, the HPA's scale-up stabilization window: a jump waits for the
   * scaler's next reading, so a spike it does not follow is not chased by the HPA either (one it
   * follows raises minReplicas, which applies at once). While it holds, the HPA's own (none).
   */
  readonly floorScaleUpWindowMs: number;
}

/** A load the calendar announces: the forecast is scaled by `factor` between the two times. */
export interface Announcement {
  readonly fromMs: number;
  readonly toMs: number;
  readonly factor: number;
}

export interface ScalerObservation {
  readonly nowMs: number;
  /** Requests per second over the step that just ended; undefined when the query failed. */
  readonly rps?: number;
  /** Mean CPU utilization of the ready replicas over that step; undefined when missing. */
  readonly utilization?: number;
  readonly ready: number;
  /** What the HPA would run without the scaler: the floor the budget is counted from. */
  readonly floor: number;
  readonly calendar?: readonly Announcement[];
}

export interface ScalerState {
  /** Requests per second one replica serves at 100% CPU, learned; undefined until seen. */
  readonly capacityRps?: number;
  /** The last observation's request rate. */
  readonly previous?: number;
  /** When the current excursion above the band started. */
  readonly excursionFromMs?: number;
  /** The minReplicas in force (written in act mode, recommended in observe). */
  readonly minReplicas: number;
  /** The needs of the scale-down window, newest last. */
  readonly needs: readonly { readonly atMs: number; readonly replicas: number }[];
  readonly budget: { readonly dayFromMs: number; readonly usedReplicaMinutes: number };
}

export function initialScalerState(settings: ScalerSettings, nowMs: number): ScalerState {
  return {
    minReplicas: settings.minReplicas,
    needs: [],
    budget: { dayFromMs: nowMs, usedReplicaMinutes: 0 },
  };
}

export interface Screening {
  /** What the forecaster should learn from this step. */
  readonly feed: number;
  /** True while a young excursion is kept out of the forecast. */
  readonly filtered: boolean;
  /** True when an excursion is followed as a real surge. */
  readonly surge: boolean;
  readonly state: ScalerState;
}

/**
 * An excursion still growing by a quarter from one step to the next is a surge, not a spike: two
 * readings with the traces' 10% noise differ by that much about once in fifty steps.
 */
const GROWING = 1.25;

export function screen(
  settings: ScalerSettings,
  state: ScalerState,
  obs: ScalerObservation,
  oneStep: Forecast | undefined,
): Screening {
  if (obs.rps === undefined) return { feed: Number.NaN, filtered: false, surge: false, state };
  // An excursion is beyond twice the band's width above the forecast: ordinary noise crosses the
  // band itself one step in ten (it is a p90), twice its width about one in two hundred.
  const above = oneStep !== undefined && obs.rps > oneStep.mean[0] + 2 * (oneStep.upper[0] - oneStep.mean[0]);
  if (!above)
    return {
      feed: obs.rps,
      filtered: false,
      surge: false,
      state: { ...state, previous: obs.rps, excursionFromMs: undefined },
    };
  const from = state.excursionFromMs ?? obs.nowMs - settings.stepMs;
  const age = obs.nowMs - from;
  const growing =
    state.excursionFromMs !== undefined && state.previous !== undefined && obs.rps > state.previous * GROWING;
  const surge = age > settings.spikeFilterMs || growing;
  return {
    // A surge is followed from the current reading, not learned: a sale's hour must not raise the
    // forecast for the hours after it. Only an excursion that lasts becomes the new level.
    feed: age > settings.learnExcursionAfterMs ? obs.rps : (oneStep as Forecast).mean[0],
    filtered: !surge,
    surge,
    state: { ...state, previous: obs.rps, excursionFromMs: from },
  };
}

export interface ScalerDecision {
  /** The minReplicas to write; undefined in observe mode (nothing is written). */
  readonly write?: number;
  /** What the scaler would set, in either mode. */
  readonly minReplicas: number;
  /** The HPA's scale-up stabilization window to write with it (0: the HPA's default). */
  readonly scaleUpWindowMs: number;
  readonly explanation: string;
  readonly state: ScalerState;
}

const DAY_MS = 86_400_000;

export function decide(
  settings: ScalerSettings,
  state: ScalerState,
  obs: ScalerObservation,
  screening: Screening,
  ahead: Forecast | undefined,
): ScalerDecision {
  const s = settings;
  const hold = (why: string): ScalerDecision => ({
    write: s.mode === "act" ? state.minReplicas : undefined,
    minReplicas: state.minReplicas,
    scaleUpWindowMs: 0,
    explanation: `${why}: minReplicas held at ${state.minReplicas}; the HPA acts alone above it`,
    state: screening.state,
  });
  if (obs.rps === undefined || obs.utilization === undefined) return hold("telemetry missing");

  // Capacity per replica, from steps busy enough to measure and not saturated.
  let capacity = screening.state.capacityRps;
  if (obs.ready > 0 && obs.utilization >= 0.15 && obs.utilization <= 0.95) {
    const sample = obs.rps / (obs.ready * obs.utilization);
    capacity = capacity === undefined ? sample : 0.9 * capacity + 0.1 * sample;
  }
  const learned: ScalerState = { ...screening.state, capacityRps: capacity };
  if (capacity === undefined) return hold("capacity per replica not learned yet");
  if (!ahead) return { ...hold("no forecast yet (too little history)"), state: learned };

  const steps = ahead.upper.length;
  let demand = Math.max(...ahead.upper);
  const reasons = [`forecast p${Math.round(s.quantile * 100)} ${demand.toFixed(0)} rps`];
  if (screening.surge) {
    const previous = state.previous ?? obs.rps;
    const extrapolated = obs.rps + Math.max(0, obs.rps - previous) * steps;
    if (extrapolated > demand) {
      demand = extrapolated;
      reasons.push(`surge followed: ${obs.rps.toFixed(0)} rps rising to ${extrapolated.toFixed(0)}`);
    }
  } else if (screening.filtered) reasons.push(`spike of ${obs.rps.toFixed(0)} rps not chased`);
  const horizonEnd = obs.nowMs + s.horizonMs;
  for (const a of obs.calendar ?? [])
    if (a.fromMs <= horizonEnd && a.toMs > obs.nowMs) {
      const announced = Math.max(...ahead.mean) * a.factor;
      if (announced > demand) {
        demand = announced;
        reasons.push(`announced ×${a.factor}: ${announced.toFixed(0)} rps`);
      }
    }
  const need = Math.ceil(demand / (capacity * s.targetUtilization));
  reasons.push(
    `${need} replicas at ${Math.round(s.targetUtilization * 100)}% of ${capacity.toFixed(1)} rps each`,
  );

  // Down only as far as the window's highest need, so a dip between two busy minutes keeps its pods.
  const needs = [
    ...learned.needs.filter((n) => n.atMs > obs.nowMs - s.downStabilizationMs),
    { atMs: obs.nowMs, replicas: need },
  ];
  const held = Math.max(...needs.map((n) => n.replicas));
  if (held > need)
    reasons.push(
      `held at ${held}, the highest need of the last ${Math.round(s.downStabilizationMs / 60_000)} minutes`,
    );
  let target = Math.min(s.maxReplicas, Math.max(s.minReplicas, held));
  // Only a rise is limited: lowering minReplicas removes nothing the HPA still wants.
  if (target > state.minReplicas + s.maxStep) {
    target = state.minReplicas + s.maxStep;
    reasons.push(`step limited to +${s.maxStep}`);
  }
  // The budget counts what the forecast adds above the floor (the HPA's own choice), per day.
  const budget =
    obs.nowMs - state.budget.dayFromMs >= DAY_MS
      ? { dayFromMs: obs.nowMs, usedReplicaMinutes: 0 }
      : state.budget;
  const floor = Math.max(obs.floor, s.minReplicas);
  const stepMinutes = s.stepMs / 60_000;
  const left = Math.max(0, s.budgetReplicaMinutesPerDay - budget.usedReplicaMinutes);
  const affordable = floor + Math.floor(left / stepMinutes);
  if (target > affordable) {
    target = affordable;
    reasons.push(`replica-minute budget: ${left.toFixed(0)} of ${s.budgetReplicaMinutesPerDay} left today`);
  }
  const used = budget.usedReplicaMinutes + Math.max(0, target - floor) * stepMinutes;
  return {
    write: s.mode === "act" ? target : undefined,
    minReplicas: target,
    scaleUpWindowMs: s.mode === "act" ? s.floorScaleUpWindowMs : 0,
    explanation: `${s.mode === "act" ? "minReplicas" : "would set minReplicas"} ${state.minReplicas} → ${target}: ${reasons.join("; ")}`,
    state: {
      ...learned,
      minReplicas: target,
      needs,
      budget: { dayFromMs: budget.dayFromMs, usedReplicaMinutes: used },
    },
  };
}
