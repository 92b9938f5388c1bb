/**
 * A small autoencoder over one service's signal vector, as seed 004 describes: trained on healthy
 * periods only, it learns how the signals move together (traffic with CPU, median with tail); a
 * vector it cannot reconstruct breaks those relations, even when no single signal is far out.
 *
 * Written in TypeScript (one tanh bottleneck layer, a linear decoder, Adam on mean squared error,
 * seeded), like the forecaster's LSTM: no native code, no download, a few hundred parameters.
 * The model is plain data, so it can be stored, versioned and rolled back (model-versions.ts).
 */
import { Adam, clipScale } from "../../common/adam.js";
import { Random } from "../../common/random.js";

export interface AutoencoderModel {
  readonly inputs: number;
  readonly hidden: number;
  /** Encoder weights (hidden × inputs) and biases, then decoder weights (inputs × hidden) and biases. */
  readonly params: readonly number[];
  /** Reconstruction error above which a vector is anomalous: a margin over the training errors' high quantile. */
  readonly threshold: number;
  /** Vectors it was trained on. */
  readonly trainedOn: number;
}

export interface AutoencoderOptions {
  /** Width of the bottleneck. @default 3 */
  readonly hidden?: number;
  /** @default 300 */
  readonly epochs?: number;
  /** @default 0.01 */
  readonly learningRate?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Quantile of the held-out errors the threshold starts from. @default 0.99 */
  readonly quantile?: number;
  /** Factor over that quantile. @default 3 */
  readonly margin?: number;
  /**
   * The least threshold, in squared robust deviations per signal. The per-signal baseline already
   * judges one signal far out; the autoencoder is there for relations broken by a whole deviation
   * or more, not for the rounding noise of a model that fits its training set too well. @default 0.5
   */
  readonly minThreshold?: number;
}

const sizes = (d: number, k: number) => ({
  w1: 0,
  b1: k * d,
  w2: k * d + k,
  b2: 2 * k * d + k,
  n: 2 * k * d + k + d,
});

/** The reconstruction and the hidden layer of one vector. */
function forward(params: ArrayLike<number>, d: number, k: number, x: readonly number[]) {
  const o = sizes(d, k);
  const h = new Array<number>(k);
  for (let j = 0; j < k; j++) {
    let a = params[o.b1 + j];
    for (let i = 0; i < d; i++) a += params[o.w1 + j * d + i] * x[i];
    h[j] = Math.tanh(a);
  }
  const y = new Array<number>(d);
  for (let i = 0; i < d; i++) {
    let a = params[o.b2 + i];
    for (let j = 0; j < k; j++) a += params[o.w2 + i * k + j] * h[j];
    y[i] = a;
  }
  return { h, y };
}

/** Mean squared reconstruction error of one vector; adds its gradient into `grad` when given. */
export function lossAndGradient(
  params: ArrayLike<number>,
  d: number,
  k: number,
  x: readonly number[],
  grad?: Float64Array,
): number {
  const o = sizes(d, k);
  const { h, y } = forward(params, d, k, x);
  let loss = 0;
  const dy = new Array<number>(d);
  for (let i = 0; i < d; i++) {
    const e = y[i] - x[i];
    loss += e * e;
    dy[i] = (2 * e) / d;
  }
  if (grad !== undefined) {
    const dh = new Array<number>(k).fill(0);
    for (let i = 0; i < d; i++) {
      grad[o.b2 + i] += dy[i];
      for (let j = 0; j < k; j++) {
        grad[o.w2 + i * k + j] += dy[i] * h[j];
        dh[j] += dy[i] * params[o.w2 + i * k + j];
      }
    }
    for (let j = 0; j < k; j++) {
      const da = dh[j] * (1 - h[j] * h[j]);
      grad[o.b1 + j] += da;
      for (let i = 0; i < d; i++) grad[o.w1 + j * d + i] += da * x[i];
    }
  }
  return loss / d;
}

export function reconstructionError(model: AutoencoderModel, x: readonly number[]): number {
  return lossAndGradient(model.params, model.inputs, model.hidden, x);
}

/** Trains on healthy vectors (full batch, Adam), then sets the threshold from held-out ones. */
export function trainAutoencoder(
  vectors: readonly (readonly number[])[],
  o: AutoencoderOptions = {},
): AutoencoderModel {
  if (vectors.length === 0) throw new Error("an autoencoder needs at least one healthy vector to train on");
  const d = vectors[0].length;
  const k = o.hidden ?? 3;
  const size = sizes(d, k);
  const random = new Random(o.seed ?? 1);
  const params = new Float64Array(size.n);
  for (let i = 0; i < size.b1; i++) params[i] = (random.uniform() * 2 - 1) / Math.sqrt(d);
  for (let i = size.w2; i < size.b2; i++) params[i] = (random.uniform() * 2 - 1) / Math.sqrt(k);
  // Every fourth vector is held out: the threshold comes from errors on vectors the model has
  // not seen, as a new healthy vector will be, not from the training set it may fit too well.
  const held = vectors.filter((_, i) => i % 4 === 3);
  const fit = vectors.length >= 4 ? vectors.filter((_, i) => i % 4 !== 3) : vectors;
  const adam = new Adam(size.n, o.learningRate ?? 0.01);
  for (let epoch = 0; epoch < (o.epochs ?? 300); epoch++) {
    const grad = new Float64Array(size.n);
    for (const x of fit) lossAndGradient(params, d, k, x, grad);
    for (let i = 0; i < size.n; i++) grad[i] /= fit.length;
    adam.step(params, grad, clipScale(grad, 5));
  }
  const errors = (held.length > 0 ? held : fit)
    .map((x) => lossAndGradient(params, d, k, x))
    .sort((a, b) => a - b);
  const q = errors[Math.min(errors.length - 1, Math.floor((o.quantile ?? 0.99) * errors.length))];
  return {
    inputs: d,
    hidden: k,
    params: Array.from(params),
    threshold: Math.max(q * (o.margin ?? 3), o.minThreshold ?? 0.5),
    trainedOn: vectors.length,
  };
}
