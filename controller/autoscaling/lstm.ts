/**
 * A small LSTM forecaster in plain TypeScript, as seed 004 names: no native code, no download, and
 * reproducible from its seed. One LSTM layer reads a window of recent steps (the load scaled by its
 * training mean, and the time of day as sine and cosine, so a window shorter than a day still knows
 * where in the day it is); a linear head turns the last hidden state into the next `horizon` steps.
 * Trained by backpropagation through time with Adam on mean squared error, gradients clipped.
 */
import { Adam, clipScale } from "../../common/adam.js";
import type { Random } from "../../common/random.js";

export interface LstmShape {
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
}

/** All weights in one array, so Adam and gradient clipping see one vector. */
export class LstmNet {
  readonly params: Float64Array;
  private readonly gateRows: number;
  private readonly gateCols: number;

  constructor(
    readonly shape: LstmShape,
    random: Random,
  ) {
    this.gateRows = 4 * shape.hidden;
    this.gateCols = shape.inputs + shape.hidden;
    const n = this.gateRows * this.gateCols + this.gateRows + shape.outputs * shape.hidden + shape.outputs;
    this.params = new Float64Array(n);
    const scale = 1 / Math.sqrt(this.gateCols);
    for (let i = 0; i < this.gateRows * this.gateCols; i++)
      this.params[i] = (random.uniform() * 2 - 1) * scale;
    // A forget gate that starts open keeps gradients alive through the window.
    for (let j = 0; j < shape.hidden; j++) this.params[this.bias + shape.hidden + j] = 1;
    const head = 1 / Math.sqrt(shape.hidden);
    for (let i = 0; i < shape.outputs * shape.hidden; i++)
      this.params[this.headW + i] = (random.uniform() * 2 - 1) * head;
  }

  private get bias(): number {
    return this.gateRows * this.gateCols;
  }
  private get headW(): number {
    return this.bias + this.gateRows;
  }
  private get headB(): number {
    return this.headW + this.shape.outputs * this.shape.hidden;
  }

  /** The outputs for a window of inputs (each `inputs` long), and what backward needs. */
  forward(window: readonly (readonly number[])[]): { y: number[]; cache: StepCache[] } {
    const { hidden: H, outputs: K } = this.shape;
    const p = this.params;
    let h = zeros(H);
    let c = zeros(H);
    const cache: StepCache[] = [];
    const cols = this.gateCols;
    const bias = this.bias;
    const inputs = this.shape.inputs;
    for (const x of window) {
      const v = zeros(cols);
      for (let k = 0; k < inputs; k++) v[k] = x[k];
      for (let j = 0; j < H; j++) v[inputs + j] = h[j];
      const z = zeros(4 * H);
      for (let r = 0; r < 4 * H; r++) {
        let sum = p[bias + r];
        const row = r * cols;
        for (let k = 0; k < cols; k++) sum += p[row + k] * v[k];
        z[r] = sum;
      }
      const i = zeros(H);
      const f = zeros(H);
      const o = zeros(H);
      const g = zeros(H);
      const cNext = zeros(H);
      const hNext = zeros(H);
      for (let j = 0; j < H; j++) {
        i[j] = sigmoid(z[j]);
        f[j] = sigmoid(z[H + j]);
        o[j] = sigmoid(z[2 * H + j]);
        g[j] = Math.tanh(z[3 * H + j]);
        cNext[j] = f[j] * c[j] + i[j] * g[j];
        hNext[j] = o[j] * Math.tanh(cNext[j]);
      }
      cache.push({ v, i, f, o, g, cPrev: c, c: cNext });
      h = hNext;
      c = cNext;
    }
    const y: number[] = [];
    for (let k = 0; k < K; k++) {
      let sum = p[this.headB + k];
      for (let j = 0; j < H; j++) sum += p[this.headW + k * H + j] * h[j];
      y.push(sum);
    }
    cache.push({ v: h, i: h, f: h, o: h, g: h, cPrev: h, c: h });
    return { y, cache };
  }

  /** Adds the gradient of ½·mean squared error against `target` to `grad`; returns the loss. */
  backward(window: readonly (readonly number[])[], target: readonly number[], grad: Float64Array): number {
    const { hidden: H, outputs: K } = this.shape;
    const p = this.params;
    const { y, cache } = this.forward(window);
    const last = cache.pop() as StepCache;
    const hT = last.v;
    let loss = 0;
    let dh = zeros(H);
    for (let k = 0; k < K; k++) {
      const dy = (y[k] - target[k]) / K;
      loss += (y[k] - target[k]) ** 2 / (2 * K);
      grad[this.headB + k] += dy;
      for (let j = 0; j < H; j++) {
        grad[this.headW + k * H + j] += dy * hT[j];
        dh[j] += dy * p[this.headW + k * H + j];
      }
    }
    let dc = zeros(H);
    for (let t = cache.length - 1; t >= 0; t--) {
      const s = cache[t];
      const dz = zeros(4 * H);
      const dcPrev = zeros(H);
      for (let j = 0; j < H; j++) {
        const tc = Math.tanh(s.c[j]);
        const dcj = dc[j] + dh[j] * s.o[j] * (1 - tc * tc);
        dz[j] = dcj * s.g[j] * s.i[j] * (1 - s.i[j]);
        dz[H + j] = dcj * s.cPrev[j] * s.f[j] * (1 - s.f[j]);
        dz[2 * H + j] = dh[j] * tc * s.o[j] * (1 - s.o[j]);
        dz[3 * H + j] = dcj * s.i[j] * (1 - s.g[j] * s.g[j]);
        dcPrev[j] = dcj * s.f[j];
      }
      const dv = zeros(this.gateCols);
      for (let r = 0; r < 4 * H; r++) {
        if (dz[r] === 0) continue;
        grad[this.bias + r] += dz[r];
        const row = r * this.gateCols;
        for (let k = 0; k < this.gateCols; k++) {
          grad[row + k] += dz[r] * s.v[k];
          dv[k] += dz[r] * p[row + k];
        }
      }
      dh = dv.slice(this.shape.inputs);
      dc = dcPrev;
    }
    return loss;
  }
}

interface StepCache {
  readonly v: number[];
  readonly i: number[];
  readonly f: number[];
  readonly o: number[];
  readonly g: number[];
  readonly cPrev: number[];
  readonly c: number[];
}

/** Plain arrays for the per-step vectors: V8 allocates them far faster than typed arrays. */
function zeros(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface TrainOptions {
  readonly epochs: number;
  readonly batch: number;
  readonly learningRate: number;
  /** Samples drawn per epoch (all when there are fewer). */
  readonly samplesPerEpoch: number;
}

/** Adam over mini-batches of (window, target) samples, drawn with the seeded random; returns the last epoch's mean loss. */
export function train(
  net: LstmNet,
  samples: readonly { readonly window: readonly (readonly number[])[]; readonly target: readonly number[] }[],
  o: TrainOptions,
  random: Random,
): number {
  const n = net.params.length;
  const adam = new Adam(n, o.learningRate);
  let lastLoss = Number.NaN;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const count = Math.min(samples.length, o.samplesPerEpoch);
    let total = 0;
    for (let start = 0; start < count; start += o.batch) {
      const grad = new Float64Array(n);
      const size = Math.min(o.batch, count - start);
      for (let b = 0; b < size; b++) {
        const s = samples[samples.length <= o.samplesPerEpoch ? start + b : random.int(samples.length)];
        total += net.backward(s.window, s.target, grad);
      }
      for (let i = 0; i < n; i++) grad[i] /= size;
      adam.step(net.params, grad, clipScale(grad, 5));
    }
    lastLoss = total / count;
  }
  return lastLoss;
}

/** The input of one step: the scaled load and the time of day. */
export function features(value: number, scale: number, step: number, season: number): number[] {
  const phase = (2 * Math.PI * (step % season)) / season;
  return [value / scale, Math.sin(phase), Math.cos(phase)];
}
