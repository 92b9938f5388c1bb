import { Random } from "../../common/random.js";
import { coverage, holtWinters, holtWintersFit, quantileOf, seasonalNaive, smape } from "./forecast.js";

const SEASON = 24;
/** A daily shape: a sine over the season around `base`. */
const shape = (t: number, base: number, amplitude: number) =>
  base + amplitude * Math.sin((2 * Math.PI * t) / SEASON);

describe("forecasters against series of known structure", () => {
  it("seasonal naive repeats a pure season exactly, with a zero-width band", () => {
    const history = Array.from({ length: 3 * SEASON }, (_, t) => shape(t, 100, 40));
    const f = seasonalNaive.forecast(history, SEASON, SEASON, 0.9);
    const actual = Array.from({ length: SEASON }, (_, h) => shape(3 * SEASON + h, 100, 40));
    expect(smape(actual, f.mean)).toBeLessThan(1e-9);
    expect(Math.max(...f.upper.map((u, i) => u - f.mean[i]))).toBeLessThan(1e-9);
  });

  it("Holt-Winters follows a trend that seasonal naive misses", () => {
    const series = (t: number) => shape(t, 100 + 2 * t, 30);
    const history = Array.from({ length: 6 * SEASON }, (_, t) => series(t));
    const actual = Array.from({ length: SEASON }, (_, h) => series(6 * SEASON + h));
    const hw = holtWinters.forecast(history, SEASON, SEASON, 0.9);
    const naive = seasonalNaive.forecast(history, SEASON, SEASON, 0.9);
    // The naive forecast lags a whole season of trend (48 per step); Holt-Winters tracks it.
    expect(smape(actual, hw.mean)).toBeLessThan(2);
    expect(smape(actual, naive.mean)).toBeGreaterThan(10);
  });

  it("Holt-Winters with constants of 0 keeps its initial level, trend and season: a linear-plus-season series is fitted without error", () => {
    const series = (t: number) => shape(t, 50 + 0.5 * t, 10);
    const history = Array.from({ length: 4 * SEASON }, (_, t) => series(t));
    const fit = holtWintersFit(history, SEASON, 0, 0, 0);
    expect(Math.max(...fit.residuals.map(Math.abs))).toBeLessThan(1e-9);
  });

  it("the 0.9 upper band covers about 90% of a noisy seasonal series", () => {
    const random = new Random(3);
    const series = (t: number) => shape(t, 200, 60) + 15 * random.normal();
    const all = Array.from({ length: 20 * SEASON }, (_, t) => series(t));
    const history = all.slice(0, 16 * SEASON);
    const actual = all.slice(16 * SEASON, 17 * SEASON);
    const f = holtWinters.forecast(history, SEASON, SEASON, 0.9);
    const c = coverage(actual, f.upper);
    expect(c).toBeGreaterThanOrEqual(0.8);
    expect(c).toBeLessThanOrEqual(1);
  });

  it("refuses a history too short for its seasons, saying how much it needs", () => {
    expect(() => seasonalNaive.forecast([1, 2], SEASON, 1, 0.9)).toThrow("a full season (24 steps)");
    expect(() => holtWinters.forecast(Array(30).fill(1), SEASON, 1, 0.9)).toThrow(
      "two full seasons (48 steps)",
    );
  });
});

describe("forecast accuracy measures", () => {
  it("sMAPE is 0 for a perfect forecast, 200 for one of zero, and symmetric", () => {
    expect(smape([10, 20], [10, 20])).toBe(0);
    expect(smape([10, 20], [0, 0])).toBe(200);
    expect(smape([100], [120])).toBeCloseTo(smape([120], [100]), 12);
  });

  it("coverage counts actuals at or under the band; quantiles interpolate", () => {
    expect(coverage([1, 2, 3, 4], [2, 2, 2, 5])).toBe(0.75);
    expect(quantileOf([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileOf([0, 10], 0.9)).toBe(9);
  });
});
