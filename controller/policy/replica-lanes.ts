/**
 * Thompson sampling over per-replica arms, acting through the quarantine lane.
 *
 * Each pod has a discounted Beta posterior over "a try here is fast and successful", fed by its
 * own telemetry (Istio's destination-reported metrics grouped by pod). Every interval a sample is
 * drawn per pod, and a pod whose sampled badness stands well above the fleet's median goes to the
 * lane; a quarantined pod comes back when its probes (mirrored requests) sample close to the
 * median again, or on probation when its time is up: the time doubles with each quarantine of the
 * same pod, as Envoy's ejection time does, and is all there is where requests may not be mirrored.
 * Sampling rather than comparing means keeps it exploring: a pod with little recent evidence has
 * a wide posterior and gets the benefit of the doubt now and then.
 *
 * The policy proposes; the control step bounds the lane (how many pods, never a subset's last,
 * only while the rest can carry the load).
 */

import type { Observation } from "../metrics/observation.js";
import { ordinal } from "../ordinal.js";
import { type BetaPosterior, initialBandit, sampleBeta, updateBandit } from "./beta-bandit.js";
import { fastOutcome } from "./fraction-faster.js";
import type { LaneKnob, PolicyContext } from "./policy.js";
import { aggregate } from "./reward.js";

export interface LaneOptions {
  /** Discount per interval. @default 0.8 */
  readonly gamma?: number;
  /** Evidence per pod per interval is capped, so a busy pod cannot freeze its posterior. @default 200 */
  readonly maxTrialsPerInterval?: number;
  /** A pod enters the lane when its sampled badness exceeds factor x median + margin. @default 3, 0.02 */
  readonly enter?: { readonly factor: number; readonly margin: number };
  /** It leaves when its sampled badness is at most factor x median + margin. @default 1.5, 0.01 */
  readonly leave?: { readonly factor: number; readonly margin: number };
  /**
   * A quarantine lasts at most this long, each later one of the same pod twice the last (up to
   * 8x), as Envoy's ejection time grows: the pod then serves again on probation, and goes back
   * if it is still slow. Probes end it sooner when they show it healthy; it matters most where
   * requests may not be mirrored and there are no probes. @default 30 s
   */
  readonly probationMs?: number;
  /** Percent of requests mirrored to the lane where requests may be replayed. @default 1 */
  readonly probePercent?: number;
  /**
   * Whether this module puts pods in the lane; false only returns them, for a policy that decides
   * entries itself but shares these rules for the way back. @default true
   */
  readonly admit?: boolean;
}

export interface LaneState {
  readonly arms: Readonly<Record<string, BetaPosterior>>;
  /** When each quarantined pod entered the lane. */
  readonly entered: Readonly<Record<string, number>>;
  /** Quarantines so far per pod, which double the probation. */
  readonly strikes: Readonly<Record<string, number>>;
}

export const INITIAL_LANES: LaneState = { arms: {}, entered: {}, strikes: {} };

/** Serving p99 over this multiple of the objective, a window after a quarantine, ends it. */
const OVERLOAD = 2;

/** Pods fewer than this with evidence: no median worth comparing against, so the lane holds. */
const MIN_PODS = 3;

export interface LaneProposal {
  readonly lane: LaneKnob | undefined;
  readonly state: LaneState;
  /** What changed and why, in words; empty when nothing did. */
  readonly note: string;
}

export function proposeLane(
  observation: Observation,
  state: LaneState,
  ctx: Pick<PolicyContext, "nowMs" | "random" | "current" | "objectives" | "hedgingAllowed">,
  options: LaneOptions = {},
): LaneProposal {
  const gamma = options.gamma ?? 0.8;
  const cap = options.maxTrialsPerInterval ?? 200;
  const enter = options.enter ?? { factor: 3, margin: 0.02 };
  const leave = options.leave ?? { factor: 1.5, margin: 0.01 };
  const probationMs = options.probationMs ?? 30_000;
  const quarantined = new Set(ctx.current.lane?.quarantined ?? []);

  // Evidence: this interval's tries per pod, judged against the objective's latency; a pod seen
  // for the first time starts from the uniform prior.
  const outcomes: Record<string, { successes: number; trials: number }> = {};
  for (const [pod, r] of Object.entries(observation.replicas)) {
    const outcome = fastOutcome(r, observation.windowMs, cap, ctx.objectives.p99LatencyMs);
    if (outcome) outcomes[pod] = outcome;
  }
  const fresh = new Set(Object.keys(outcomes));
  const updated = updateBandit(
    { arms: { ...initialBandit(Object.keys(observation.replicas)).arms, ...state.arms } },
    outcomes,
    gamma,
  );
  const arms: Record<string, BetaPosterior> = {};
  for (const pod of Object.keys(updated.arms).sort(ordinal)) {
    const { alpha, beta } = updated.arms[pod];
    // A pod gone from the telemetry and the lane (replaced, scaled in) is forgotten once its evidence fades.
    if (!fresh.has(pod) && !quarantined.has(pod) && alpha + beta < 3) continue;
    arms[pod] = { alpha, beta };
  }

  const badness = new Map<string, number>();
  for (const pod of Object.keys(arms).sort(ordinal)) {
    if (fresh.has(pod)) badness.set(pod, 1 - sampleBeta(arms[pod].alpha, arms[pod].beta, ctx.random));
  }
  const serving = [...badness.entries()].filter(([pod]) => !quarantined.has(pod));
  const entered = { ...state.entered };
  const strikes = { ...state.strikes };
  // A pod another decision put in the lane is timed from when this module first sees it there.
  for (const pod of quarantined) {
    if (entered[pod] !== undefined) continue;
    entered[pod] = ctx.nowMs;
    strikes[pod] = (strikes[pod] ?? 0) + 1;
  }
  const next = new Set(quarantined);
  const notes: string[] = [];
  if (serving.length >= MIN_PODS) {
    const sorted = serving.map(([, b]) => b).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const percent = (b: number) => `${(b * 100).toFixed(1)}%`;
    // A lane that has had a whole window to help and the serving pods are still far outside the
    // objective is costing capacity it cannot spare (another pod slowed, load rose): give it back.
    const { p99Ms } = aggregate(observation);
    const overloaded = p99Ms !== undefined && p99Ms > OVERLOAD * ctx.objectives.p99LatencyMs;
    for (const pod of [...quarantined].sort(ordinal)) {
      const b = badness.get(pod);
      const served = ctx.nowMs - (entered[pod] ?? ctx.nowMs);
      const probation = Math.min(8, 2 ** Math.max(0, (strikes[pod] ?? 1) - 1)) * probationMs;
      let why: string | undefined;
      if (overloaded && served >= observation.windowMs)
        why = `the serving pods' p99 is ${Math.round(p99Ms as number)} ms, over ${OVERLOAD}x the objective, after a window`;
      else if (b !== undefined && b <= leave.factor * median + leave.margin)
        why = `slow or failed ${percent(b)} of probes, fleet median ${percent(median)}`;
      else if (served >= probation) why = `on probation after ${Math.round(served / 1000)} s`;
      if (why === undefined) continue;
      next.delete(pod);
      delete entered[pod];
      notes.push(`${pod} back from the lane (${why})`);
    }
    const worst = serving
      .filter(([, b]) => b > enter.factor * median + enter.margin)
      .sort(([a, x], [b, y]) => y - x || ordinal(a, b));
    // Giving capacity back and taking it away in one interval would contradict itself.
    const gaveBack = overloaded && next.size < quarantined.size;
    for (const [pod, b] of gaveBack || options.admit === false ? [] : worst) {
      if (next.has(pod)) continue;
      next.add(pod);
      entered[pod] = ctx.nowMs;
      strikes[pod] = (strikes[pod] ?? 0) + 1;
      notes.push(
        `${pod} to the lane (slow or failed ${percent(b)} of tries, fleet median ${percent(median)})`,
      );
    }
  }
  for (const pod of Object.keys(entered)) if (!next.has(pod)) delete entered[pod];
  // Those staying first, then newcomers worst first: the step keeps that order when it bounds the lane.
  const list = [
    ...[...next].filter((p) => quarantined.has(p)).sort(ordinal),
    ...[...next].filter((p) => !quarantined.has(p)),
  ];
  return {
    lane:
      list.length > 0
        ? { quarantined: list, probePercent: ctx.hedgingAllowed ? (options.probePercent ?? 1) : 0 }
        : undefined,
    state: { arms, entered, strikes },
    note: notes.length > 0 ? ` Lane: ${notes.join("; ")}.` : "",
  };
}
