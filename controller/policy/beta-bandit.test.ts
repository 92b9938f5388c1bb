import { Random } from "../sim/random.js";
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

  it("concentrates on the better arm when the world is stationary", () => {
    const random = new Random(1);
    const world = new Random(2);
    let state = initialBandit(["a", "b"]);
    const quality = { a: 0.9, b: 0.8 };
    let shares = { a: 0.5, b: 0.5 };
    for (let t = 0; t < 200; t++) {
      const outcomes = Object.fromEntries(
        (["a", "b"] as const).map((arm) => {
          const trials = Math.round(100 * shares[arm]) + 1;
          let successes = 0;
          for (let i = 0; i < trials; i++) if (world.chance(quality[arm])) successes++;
          return [arm, { successes, trials }];
        }),
      );
      state = updateBandit(state, outcomes, 1);
      shares = thompsonShares(state, random, 200) as typeof shares;
    }
    expect(shares.a).toBeGreaterThan(0.95);
    expect(posteriorMeans(state).a).toBeCloseTo(0.9, 1);
  });

  it("tracks a switch when the world changes, thanks to discounting", () => {
    const random = new Random(3);
    const world = new Random(4);
    let state = initialBandit(["a", "b"]);
    let shares = { a: 0.5, b: 0.5 };
    const run = (quality: { a: number; b: number }, rounds: number) => {
      for (let t = 0; t < rounds; t++) {
        const outcomes = Object.fromEntries(
          (["a", "b"] as const).map((arm) => {
            const trials = Math.round(100 * shares[arm]) + 5;
            let successes = 0;
            for (let i = 0; i < trials; i++) if (world.chance(quality[arm])) successes++;
            return [arm, { successes, trials }];
          }),
        );
        state = updateBandit(state, outcomes, 0.8);
        shares = thompsonShares(state, random, 200) as typeof shares;
      }
    };
    run({ a: 0.95, b: 0.6 }, 60);
    expect(shares.a).toBeGreaterThan(0.9);
    run({ a: 0.6, b: 0.95 }, 60); // a browns out, b recovers
    expect(shares.b).toBeGreaterThan(0.9);
  });
});
