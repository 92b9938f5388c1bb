/**
 * Automatic rollback: after the optimizer changes routing, it watches the next intervals, and if
 * the SLO got worse beyond noise, it returns to the last-known-good routing and says why.
 *
 * "Worse" is judged where the change could have caused it. A weight change is judged on the
 * subsets that gained traffic: a brownout that keeps worsening on the subset traffic was moved
 * away from is the reason for the move, not its result. Other changes (load balancer, outlier
 * detection, hedging) are judged on the whole destination.
 */
import type { Observation } from "../metrics/observation.js";
import type { Objectives, RoutingKnobs } from "../policy/policy.js";
import { aggregate } from "../policy/reward.js";

export interface RollbackOptions {
  /** Fresh intervals watched after a change. @default 3 */
  readonly intervals: number;
  /** How much worse than before counts as beyond noise, as a ratio. @default 1.5 */
  readonly tolerance: number;
}

export const DEFAULT_ROLLBACK: RollbackOptions = { intervals: 3, tolerance: 1.5 };

/** A change under watch. */
export interface Probation {
  readonly lastGood: RoutingKnobs;
  readonly applied: RoutingKnobs;
  /** Subsets that gained weight; empty when the change was not a weight change. */
  readonly gainers: readonly string[];
  /** SLO badness before the change, on the same subsets. */
  readonly before: number;
  readonly after: readonly number[];
}

/** How far from the SLO: the larger of p99 over its objective and errors over their budget (1 = on the line). */
export function badness(
  stats: { p99Ms?: number; errorRatio?: number } | undefined,
  o: Objectives,
): number | undefined {
  if (!stats || stats.p99Ms === undefined) return undefined;
  const errors = stats.errorRatio === undefined ? 0 : stats.errorRatio / Math.max(o.errorRate, 1e-6);
  return Math.max(stats.p99Ms / o.p99LatencyMs, errors);
}

function judged(observation: Observation, gainers: readonly string[], o: Objectives): number | undefined {
  if (gainers.length === 0) return badness(aggregate(observation), o);
  const values = gainers
    .map((g) => badness(observation.subsets[g], o))
    .filter((b): b is number => b !== undefined);
  return values.length > 0 ? Math.max(...values) : undefined;
}

export function startProbation(
  lastGood: RoutingKnobs,
  applied: RoutingKnobs,
  before: Observation,
  o: Objectives,
): Probation | undefined {
  const gainers = Object.keys(applied.weights).filter((s) => applied.weights[s] > (lastGood.weights[s] ?? 0));
  const b = judged(before, gainers, o);
  return b === undefined ? undefined : { lastGood, applied, gainers, before: b, after: [] };
}

export type Verdict =
  | { readonly kind: "watching"; readonly probation: Probation }
  | { readonly kind: "kept" }
  | { readonly kind: "rollback"; readonly reason: string };

/** Adds a fresh interval to the watch and says whether to keep the change or roll it back. */
export function judge(
  p: Probation,
  observation: Observation,
  o: Objectives,
  options = DEFAULT_ROLLBACK,
): Verdict {
  const now = judged(observation, p.gainers, o);
  const after = now === undefined ? p.after : [...p.after, now];
  if (after.length < options.intervals) return { kind: "watching", probation: { ...p, after } };
  const mean = after.reduce((a, b) => a + b, 0) / after.length;
  // Worse than before by the tolerance, and outside the SLO: a change that stays within it is kept.
  if (mean > 1 && mean > p.before * options.tolerance) {
    const where =
      p.gainers.length > 0 ? `on ${p.gainers.join(", ")}, which gained traffic` : "on the destination";
    return {
      kind: "rollback",
      reason: `SLO ${mean.toFixed(2)}x its objective ${where} over ${after.length} intervals after the change, against ${p.before.toFixed(2)}x before`,
    };
  }
  return { kind: "kept" };
}
