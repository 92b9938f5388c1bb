import { Random } from "../../common/random.js";
import { initialBandit, posteriorMeans, sampleBeta, thompsonShares, updateBandit } from "./beta-bandit.js";

describe("discounted Thompson sampling", () => {
  it("samples Beta with the right mean and variance", () => {
    const random = new Random(11);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = sampleBeta(2, 5, random);
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(2 / 7, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo((2 * 5) / (49 * 8), 3);
  });

  it("updates the posterior exactly: discount, then add successes and failures", () => {
    const s = updateBandit({ arms: { a: { alpha: 11, beta: 3 } } }, { a: { successes: 4, trials: 5 } }, 0.5);
    // alpha = 1 + 0.5 * 10 + 4 = 10; beta = 1 + 0.5 * 2 + 1 = 3
    expect(s.arms.a).toEqual({ alpha: 10, beta: 3 });
  });

  /**
   * A two-armed world: each round every arm gets trials in proportion to its traffic share (plus a
   * few, so neither starves), succeeds at its quality, and the bandit sets the next shares.
   */
  function world(seed: number, gamma: number, extraTrials: number) {
    const random = new Random(seed);
    const outcomesRandom = new Random(seed + 1);
    let state = initialBandit(["a", "b"]);
    let shares = { a: 0.5, b: 0.5 };
    return {
      play(quality: { a: number; b: number }, rounds: number) {
        for (let t = 0; t < rounds; t++) {
          const outcomes = Object.fromEntries(
            (["a", "b"] as const).map((arm) => {
              const trials = Math.round(100 * shares[arm]) + extraTrials;
              let successes = 0;
              for (let i = 0; i < trials; i++) if (outcomesRandom.chance(quality[arm])) successes++;
              return [arm, { successes, trials }];
            }),
          );
          state = updateBandit(state, outcomes, gamma);
          shares = thompsonShares(state, random, 200) as typeof shares;
        }
        return { shares, means: posteriorMeans(state) };
      },
    };
  }

  it("concentrates on the better arm when the world is stationary", () => {
    const { shares, means } = world(1, 1, 1).play({ a: 0.9, b: 0.8 }, 200);
    expect(shares.a).toBeGreaterThan(0.95);
    expect(means.a).toBeCloseTo(0.9, 1);
  });

  it("tracks a switch when the world changes, thanks to discounting", () => {
    const w = world(3, 0.8, 5);
    expect(w.play({ a: 0.95, b: 0.6 }, 60).shares.a).toBeGreaterThan(0.9);
    expect(w.play({ a: 0.6, b: 0.95 }, 60).shares.b).toBeGreaterThan(0.9); // a browns out, b recovers
  });
});
