import { onlineForecaster } from "./online-forecast.js";

const SEASON = 24;
/** A clean season with a trend: 100 + 0.5 per step + 30 × sin. */
const series = (n: number) =>
  Array.from({ length: n }, (_, t) => 100 + 0.5 * t + 30 * Math.sin((2 * Math.PI * t) / SEASON));

describe("forecasters, one observation at a time", () => {
  test("say nothing until they have the history they need", () => {
    const naive = onlineForecaster("seasonal-naive", { season: SEASON });
    const hw = onlineForecaster("holt-winters", { season: SEASON });
    for (const y of series(SEASON)) {
      naive.observe(y);
      hw.observe(y);
    }
    expect(naive.forecast(3, 0.9)).toBeUndefined();
    expect(hw.forecast(3, 0.9)).toBeUndefined();
  });

  test("Holt-Winters follows season and trend as they arrive; seasonal naive lags the trend by a season", () => {
    const data = series(10 * SEASON + 3);
    const naive = onlineForecaster("seasonal-naive", { season: SEASON });
    const hw = onlineForecaster("holt-winters", { season: SEASON, refitSteps: 50 });
    const errors = { naive: 0, hw: 0 };
    for (let t = 0; t < data.length - 3; t++) {
      naive.observe(data[t]);
      hw.observe(data[t]);
      if (t < 4 * SEASON) continue;
      const truth = data[t + 3];
      errors.naive += Math.abs((naive.forecast(3, 0.9)?.mean[2] ?? 0) - truth);
      errors.hw += Math.abs((hw.forecast(3, 0.9)?.mean[2] ?? 0) - truth);
    }
    const steps = data.length - 3 - 4 * SEASON;
    // Naive repeats last season: off by the trend over a season (0.5 × 24 = 12).
    expect(errors.naive / steps).toBeCloseTo(12, 0);
    expect(errors.hw / steps).toBeLessThan(1);
  });

  test("the upper band covers noisy data about as often as its quantile says", () => {
    let seed = 7;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647 - 0.5) * 20;
    };
    const hw = onlineForecaster("holt-winters", { season: SEASON });
    let covered = 0;
    let n = 0;
    for (const [t, y] of series(20 * SEASON).entries()) {
      const noisy = y + noise();
      const f = hw.forecast(1, 0.9);
      if (f && t > 4 * SEASON) {
        n++;
        if (noisy <= f.upper[0]) covered++;
      }
      hw.observe(noisy);
    }
    expect(covered / n).toBeGreaterThan(0.8);
    expect(covered / n).toBeLessThan(0.97);
  });

  test("an unknown forecaster is refused with the names there are", () => {
    expect(() => onlineForecaster("prophet", { season: SEASON })).toThrow(
      "forecaster: unknown name 'prophet'; valid names are seasonal-naive, holt-winters",
    );
  });
});
