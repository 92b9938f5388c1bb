/**
 * The forecasters as the scaler runs them: one observation at a time, a forecast whenever asked.
 * Holt-Winters picks its smoothing constants on the history it has (the batch fit in forecast.ts)
 * every `refitSteps`, and in between updates its level, trend and season with each observation, so a
 * forecast is never older than the last observation. Until a forecaster has the history it needs
 * (a season for seasonal naive, two for Holt-Winters), it says nothing and the scaler leaves
 * scaling to the HPA.
 */
import { FORECASTERS } from "../../api/intent/autoscaling-schema.js";
import { Random } from "../../common/random.js";
import { UnknownNameError } from "../unknown-name-error.js";
import { type Forecast, holtWintersFit, quantileOf } from "./forecast.js";
import { features, LstmNet, train } from "./lstm.js";

export interface OnlineForecaster {
  readonly name: string;
  /**
   * The next step: `learn` is what the model takes in (the observation, or a stand-in while an
   * excursion is kept out); `actual` is what was seen, which the band's errors are measured on, so
   * keeping an excursion out never makes the band look tighter than it is.
   */
  observe(learn: number, actual?: number): void;
  /** The next `horizon` steps, or undefined while the history is too short. */
  forecast(horizon: number, quantile: number): Forecast | undefined;
}

export interface OnlineOptions {
  /** Steps per season. */
  readonly season: number;
  /** History kept, in seasons (older observations are dropped). */
  readonly keepSeasons?: number;
  /** Holt-Winters: steps between choosing the smoothing constants again. */
  readonly refitSteps?: number;
  /** The LSTM's initial weights and training samples. */
  readonly seed?: number;
}

/** The upper band from recent one-step errors, widened by √h, as the batch forecasters do. */
function banded(mean: number[], residuals: readonly number[], quantile: number): Forecast {
  const q = Math.max(0, quantileOf(residuals, quantile));
  return { mean, upper: mean.map((m, h) => m + q * Math.sqrt(h + 1)) };
}

/** Appends to a window that keeps its last `size` values. */
function pushWindow(window: number[], value: number, size: number): void {
  window.push(value);
  if (window.length > size) window.shift();
}

/**
 * Appends to the history, dropping whole seasons beyond `keepSeasons`, so the season's phase of
 * the kept history stays aligned; returns how many steps were dropped.
 */
function keepHistory(history: number[], value: number, o: OnlineOptions): number {
  history.push(value);
  if (history.length <= ((o.keepSeasons ?? 7) + 1) * o.season) return 0;
  history.splice(0, o.season);
  return o.season;
}

class OnlineSeasonalNaive implements OnlineForecaster {
  readonly name = "seasonal-naive";
  private readonly history: number[] = [];
  private readonly errors: number[] = [];
  constructor(private readonly o: OnlineOptions) {}

  observe(learn: number, actual = learn): void {
    const { season } = this.o;
    if (this.history.length >= season)
      pushWindow(this.errors, actual - this.history[this.history.length - season], season);
    keepHistory(this.history, learn, this.o);
  }

  forecast(horizon: number, quantile: number): Forecast | undefined {
    const { season } = this.o;
    const h = this.history;
    if (h.length < season + 1) return undefined;
    const mean = Array.from({ length: horizon }, (_, k) => h[h.length - season + (k % season)]);
    return banded(mean, this.errors, quantile);
  }
}

class OnlineHoltWinters implements OnlineForecaster {
  readonly name = "holt-winters";
  private readonly history: number[] = [];
  private fit?: {
    alpha: number;
    beta: number;
    gamma: number;
    level: number;
    trend: number;
    seasonal: number[];
    /** Steps seen since the start of the kept history: the season's phase. */
    n: number;
    residuals: number[];
  };
  private sinceFit = 0;
  private readonly naive: OnlineSeasonalNaive;
  constructor(private readonly o: OnlineOptions) {
    this.naive = new OnlineSeasonalNaive(o);
  }

  observe(y: number, actual = y): void {
    const { season } = this.o;
    if (!this.fit) this.naive.observe(y, actual);
    keepHistory(this.history, y, this.o);
    const f = this.fit;
    if (f) {
      const s = f.seasonal[f.n % season];
      pushWindow(f.residuals, actual - (f.level + f.trend + s), season);
      const previous = f.level;
      f.level = f.alpha * (y - s) + (1 - f.alpha) * (f.level + f.trend);
      f.trend = f.beta * (f.level - previous) + (1 - f.beta) * f.trend;
      f.seasonal[f.n % season] = f.gamma * (y - f.level) + (1 - f.gamma) * s;
      f.n++;
    }
    this.sinceFit++;
    if (this.history.length >= 2 * season && (!f || this.sinceFit >= (this.o.refitSteps ?? 360)))
      this.refit();
  }

  private refit(): void {
    const { season } = this.o;
    let best: { sse: number; alpha: number; beta: number; gamma: number } | undefined;
    for (const alpha of [0.05, 0.1, 0.2, 0.4, 0.7])
      for (const beta of [0.01, 0.05, 0.1])
        for (const gamma of [0.05, 0.1, 0.2, 0.4, 0.7]) {
          const { sse } = holtWintersFit(this.history, season, alpha, beta, gamma);
          if (!best || sse < best.sse) best = { sse, alpha, beta, gamma };
        }
    const b = best as NonNullable<typeof best>;
    const end = holtWintersFit(this.history, season, b.alpha, b.beta, b.gamma);
    this.fit = {
      alpha: b.alpha,
      beta: b.beta,
      gamma: b.gamma,
      level: end.level,
      trend: end.trend,
      seasonal: [...end.seasonal],
      // The batch fit indexes the season from the kept history's first step.
      n: this.history.length,
      // The errors seen on actual observations carry over; the batch fit's are only a start.
      residuals: this.fit?.residuals ?? end.residuals.slice(-season),
    };
    this.sinceFit = 0;
  }

  forecast(horizon: number, quantile: number): Forecast | undefined {
    const f = this.fit;
    // Until two seasons are in, the seasonal naive forecast of the same history stands in.
    if (!f) return this.naive.forecast(horizon, quantile);
    const mean = Array.from(
      { length: horizon },
      (_, h) => f.level + (h + 1) * f.trend + f.seasonal[(f.n + h) % this.o.season],
    );
    return banded(mean, f.residuals, quantile);
  }
}

/**
 * The LSTM (lstm.ts) retrained every season on the history kept, from one season on: 30 steps in,
 * 12 hidden units, the next 4 steps out, three epochs of 1000 windows a training (later trainings
 * start from the last weights). Between trainings it forecasts from the latest window.
 */
class OnlineLstm implements OnlineForecaster {
  readonly name = "lstm";
  static readonly WINDOW = 30;
  static readonly OUTPUTS = 4;
  private readonly history: number[] = [];
  /** The absolute step of history[0], so the time of day stays right when old steps are dropped. */
  private firstStep = 0;
  private readonly residuals: number[] = [];
  private readonly naive: OnlineSeasonalNaive;
  private net?: LstmNet;
  private scale = 1;
  private sinceFit = 0;
  private nextOneStep?: number;
  /** The latest window's outputs, until the next observation. */
  private latest?: number[];
  private readonly random: Random;

  constructor(private readonly o: OnlineOptions) {
    this.naive = new OnlineSeasonalNaive(o);
    this.random = new Random(o.seed ?? 1);
  }

  observe(learn: number, actual = learn): void {
    const { season } = this.o;
    if (!this.net) this.naive.observe(learn, actual);
    if (this.nextOneStep !== undefined) pushWindow(this.residuals, actual - this.nextOneStep, season);
    this.firstStep += keepHistory(this.history, learn, this.o);
    this.sinceFit++;
    if (this.history.length >= season + OnlineLstm.WINDOW && (!this.net || this.sinceFit >= season))
      this.fit();
    this.latest = this.net ? this.predict() : undefined;
    this.nextOneStep = this.latest?.[0];
  }

  private windowAt(end: number): number[][] {
    const w: number[][] = [];
    for (let t = end - OnlineLstm.WINDOW; t < end; t++)
      w.push(features(this.history[t], this.scale, this.firstStep + t, this.o.season));
    return w;
  }

  private fit(): void {
    const h = this.history;
    this.scale = Math.max(1e-9, h.reduce((a, b) => a + b, 0) / h.length);
    const samples = [];
    for (let t = OnlineLstm.WINDOW; t + OnlineLstm.OUTPUTS <= h.length; t++)
      samples.push({
        window: this.windowAt(t),
        target: h.slice(t, t + OnlineLstm.OUTPUTS).map((y) => y / this.scale),
      });
    // The first training starts from scratch; later ones carry the weights on.
    this.net ??= new LstmNet({ inputs: 3, hidden: 12, outputs: OnlineLstm.OUTPUTS }, this.random);
    train(
      this.net,
      samples,
      { epochs: 4, batch: 32, learningRate: 0.01, samplesPerEpoch: 1500 },
      this.random,
    );
    this.sinceFit = 0;
  }

  private predict(): number[] {
    const { y } = (this.net as LstmNet).forward(this.windowAt(this.history.length));
    return y.map((v) => Math.max(0, v * this.scale));
  }

  forecast(horizon: number, quantile: number): Forecast | undefined {
    if (!this.net) return this.naive.forecast(horizon, quantile);
    const y = this.latest ?? this.predict();
    const mean = Array.from({ length: horizon }, (_, k) => y[Math.min(k, y.length - 1)]);
    return banded(mean, this.residuals, quantile);
  }
}

export function onlineForecaster(name: string, options: OnlineOptions): OnlineForecaster {
  switch (name) {
    case "seasonal-naive":
      return new OnlineSeasonalNaive(options);
    case "holt-winters":
      return new OnlineHoltWinters(options);
    case "lstm":
      return new OnlineLstm(options);
    default:
      throw new UnknownNameError("forecaster", name, FORECASTERS);
  }
}
