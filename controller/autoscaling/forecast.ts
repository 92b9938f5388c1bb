/**
 * Demand forecasters behind one interface, for the predictive scaler: each is fitted on a series
 * of equally spaced observations (requests per second per step) and says, for the next steps, a
 * point forecast and an upper quantile, which is what the scaler provisions for.
 *
 * - Seasonal naive: next season repeats the last one. The baseline every forecaster must beat.
 * - Holt-Winters, additive: level, trend and season smoothed exponentially; its smoothing
 *   constants are chosen by the smallest one-step-ahead squared error over a small grid.
 *
 * Both take their upper quantile from their own one-step-ahead errors on the history
 * (the empirical quantile of the residuals, widened with the horizon by √h), so a noisy series
 * gets a wide band and a clean one a narrow band.
 */

export interface Forecast {
  readonly mean: readonly number[];
  readonly upper: readonly number[];
}

export interface Forecaster {
  readonly name: string;
  /**
   * @param history observations, oldest first, one per step
   * @param season steps per season (e.g. 96 for a day of 15-minute steps)
   * @param horizon steps to forecast
   * @param quantile of the upper band, e.g. 0.9
   */
  forecast(history: readonly number[], season: number, horizon: number, quantile: number): Forecast;
}

/** The q-quantile of values (linear interpolation between order statistics). */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

function band(mean: readonly number[], residuals: readonly number[], quantile: number): Forecast {
  const q = quantileOf(residuals, quantile);
  return { mean, upper: mean.map((m, h) => m + Math.max(0, q) * Math.sqrt(h + 1)) };
}

export const seasonalNaive: Forecaster = {
  name: "seasonal-naive",
  forecast(history, season, horizon, quantile) {
    if (history.length < season)
      throw new Error(`seasonal naive needs a full season (${season} steps) of history`);
    const mean = Array.from({ length: horizon }, (_, h) => history[history.length - season + (h % season)]);
    const residuals = history.slice(season).map((y, i) => y - history[i]);
    return band(mean, residuals, quantile);
  },
};

interface HoltWintersFit {
  readonly sse: number;
  readonly level: number;
  readonly trend: number;
  readonly seasonal: readonly number[];
  readonly residuals: readonly number[];
}

/** One pass of additive Holt-Winters over the history with these constants. */
export function holtWintersFit(
  history: readonly number[],
  season: number,
  alpha: number,
  beta: number,
  gamma: number,
): HoltWintersFit {
  if (history.length < 2 * season)
    throw new Error(`Holt-Winters needs two full seasons (${2 * season} steps) of history`);
  // Start from the first two seasons: the trend is the season-on-season slope of their means; the
  // season is each position's mean offset from that trend line; the level is the line at the end
  // of the first season (each season's mean sits at its middle step).
  const mean = (from: number) => history.slice(from, from + season).reduce((a, b) => a + b, 0) / season;
  const mean1 = mean(0);
  const mean2 = mean(season);
  let trend = (mean2 - mean1) / season;
  const middle = (season - 1) / 2;
  const seasonal = Array.from({ length: season }, (_, i) => {
    const line = (k: number) => [mean1, mean2][k] + trend * (i - middle);
    return (history[i] - line(0) + history[season + i] - line(1)) / 2;
  });
  let level = mean1 + trend * middle;
  let sse = 0;
  const residuals: number[] = [];
  for (let t = season; t < history.length; t++) {
    const s = seasonal[t % season];
    const predicted = level + trend + s;
    const error = history[t] - predicted;
    sse += error * error;
    residuals.push(error);
    const previousLevel = level;
    level = alpha * (history[t] - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - previousLevel) + (1 - beta) * trend;
    seasonal[t % season] = gamma * (history[t] - level) + (1 - gamma) * s;
  }
  return { sse, level, trend, seasonal, residuals };
}

const GRID = [0.05, 0.1, 0.2, 0.4, 0.7];

export const holtWinters: Forecaster = {
  name: "holt-winters",
  forecast(history, season, horizon, quantile) {
    let best: HoltWintersFit | undefined;
    for (const alpha of GRID)
      for (const beta of [0.01, 0.05, 0.1])
        for (const gamma of GRID) {
          const fit = holtWintersFit(history, season, alpha, beta, gamma);
          if (!best || fit.sse < best.sse) best = fit;
        }
    const fit = best as HoltWintersFit;
    const n = history.length;
    const mean = Array.from(
      { length: horizon },
      (_, h) => fit.level + (h + 1) * fit.trend + fit.seasonal[(n + h) % season],
    );
    return band(mean, fit.residuals, quantile);
  },
};

/** Symmetric mean absolute percentage error, in percent (0 to 200). */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(actual.length, forecast.length); i++) {
    const denominator = (Math.abs(actual[i]) + Math.abs(forecast[i])) / 2;
    if (denominator === 0) continue;
    sum += Math.abs(actual[i] - forecast[i]) / denominator;
    n++;
  }
  return n === 0 ? 0 : (100 * sum) / n;
}

/** The share of actual values at or under the upper band: a 0.9 quantile should cover about 90%. */
export function coverage(actual: readonly number[], upper: readonly number[]): number {
  const n = Math.min(actual.length, upper.length);
  if (n === 0) return 0;
  let covered = 0;
  for (let i = 0; i < n; i++) if (actual[i] <= upper[i]) covered++;
  return covered / n;
}
