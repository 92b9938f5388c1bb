/**
 * The statistics a rollout decides on: is the canary worse than the stable subset, with enough
 * confidence to act, or not yet?
 *
 * - Errors: a Beta posterior per subset on the error rate (Jeffreys prior), and the probability,
 *   by seeded Monte Carlo draws, that the canary's rate exceeds the stable's by more than a margin.
 *   Counts accumulate over the whole rollout: a request's error does not depend on the weight.
 * - Latency: Wald's sequential probability ratio test over settled intervals, each one a
 *   Bernoulli "the canary's p99 was worse than the stable's (or over the objective)". It restarts
 *   at every weight, because a canary can be fine at 10% and fail under the load of 50%.
 */
import type { Random } from "../../common/random.js";
import { sampleBeta } from "../policy/beta-bandit.js";

export interface Counts {
  readonly requests: number;
  readonly errors: number;
}

export const NO_COUNTS: Counts = { requests: 0, errors: 0 };

export function addCounts(a: Counts, b: Counts): Counts {
  return { requests: a.requests + b.requests, errors: a.errors + b.errors };
}

/** Jeffreys' prior: the least informative for a rate, and proper with zero errors seen. */
const PRIOR = 0.5;

/**
 * P(canary error rate > stable error rate + margin), from both posteriors, by `draws` paired
 * draws from the stream handed in (so a decision can be replayed).
 */
export function probabilityWorse(
  canary: Counts,
  stable: Counts,
  margin: number,
  random: Random,
  draws = 4000,
): number {
  let worse = 0;
  for (let i = 0; i < draws; i++) {
    const c = sampleBeta(PRIOR + canary.errors, PRIOR + canary.requests - canary.errors, random);
    const s = sampleBeta(PRIOR + stable.errors, PRIOR + stable.requests - stable.errors, random);
    if (c > s + margin) worse++;
  }
  return worse / draws;
}

/** Wald's test of H0 "p = p0" (a good canary's noise) against H1 "p = p1" (a bad canary). */
export interface SprtSettings {
  /** How often a good canary's interval still looks worse, from bucketed-histogram noise. */
  readonly p0: number;
  /** How often a bad canary's interval looks worse. */
  readonly p1: number;
  /** Chance of calling a good canary bad. */
  readonly alpha: number;
  /** Chance of calling a bad canary good, at one weight; the next weight tests it again. */
  readonly beta: number;
}

export const LATENCY_SPRT: SprtSettings = { p0: 0.1, p1: 0.6, alpha: 0.05, beta: 0.2 };

export type SprtVerdict = "worse" | "not-worse" | "undecided";

/** The log-likelihood ratio after one more interval. */
export function sprtUpdate(llr: number, worse: boolean, s: SprtSettings): number {
  return llr + (worse ? Math.log(s.p1 / s.p0) : Math.log((1 - s.p1) / (1 - s.p0)));
}

export function sprtVerdict(llr: number, s: SprtSettings): SprtVerdict {
  if (llr >= Math.log((1 - s.beta) / s.alpha)) return "worse";
  if (llr <= Math.log(s.beta / (1 - s.alpha))) return "not-worse";
  return "undecided";
}
