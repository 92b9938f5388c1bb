/**
 * A discounted Beta-Bernoulli Thompson-sampling bandit over arms such as subsets or replicas.
 *
 * Each arm's posterior counts "fast and successful" outcomes. Discounting (gamma < 1) shrinks old
 * evidence toward the prior at every update, so the bandit keeps exploring and tracks arms whose
 * quality changes: a brownout, a deploy, a recovery.
 */
import type { Random } from "../../common/random.js";

export interface BetaPosterior {
  readonly alpha: number;
  readonly beta: number;
}

export interface BanditState {
  readonly arms: Readonly<Record<string, BetaPosterior>>;
}

/** Uniform prior Beta(1, 1) for each arm. */
export function initialBandit(arms: readonly string[]): BanditState {
  return { arms: Object.fromEntries(arms.map((a) => [a, { alpha: 1, beta: 1 }])) };
}

/**
 * Adds an interval's outcomes: `successes` fast and successful requests out of `trials`,
 * after discounting every arm's evidence by gamma (prior counts are never discounted away).
 */
export function updateBandit(
  state: BanditState,
  outcomes: Readonly<Record<string, { successes: number; trials: number }>>,
  gamma: number,
): BanditState {
  const arms: Record<string, BetaPosterior> = {};
  for (const [arm, p] of Object.entries(state.arms)) {
    const o = outcomes[arm] ?? { successes: 0, trials: 0 };
    arms[arm] = {
      alpha: 1 + gamma * (p.alpha - 1) + o.successes,
      beta: 1 + gamma * (p.beta - 1) + (o.trials - o.successes),
    };
  }
  return { arms };
}

/** Posterior mean of each arm. */
export function posteriorMeans(state: BanditState): Record<string, number> {
  return Object.fromEntries(Object.entries(state.arms).map(([a, p]) => [a, p.alpha / (p.alpha + p.beta)]));
}

/** Draws from Gamma(shape, 1) by Marsaglia and Tsang's method. */
export function sampleGamma(shape: number, random: Random): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * random.uniform() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.uniform();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Draws from Beta(alpha, beta). */
export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = sampleGamma(alpha, random);
  return x / (x + sampleGamma(beta, random));
}

/**
 * Traffic shares by Thompson sampling: the share of `draws` rounds in which each arm's sample is
 * the highest. More certain arms win more often; uncertain ones keep a share in proportion.
 */
export function thompsonShares(state: BanditState, random: Random, draws = 1000): Record<string, number> {
  const names = Object.keys(state.arms).sort();
  const wins = names.map(() => 0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestValue = -1;
    names.forEach((name, i) => {
      const p = state.arms[name];
      const v = sampleBeta(p.alpha, p.beta, random);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    });
    wins[best]++;
  }
  return Object.fromEntries(names.map((n, i) => [n, wins[i] / draws]));
}
