/**
 * Adam (Kingma and Ba, 2015) over one flat parameter vector, shared by the small networks written
 * here in TypeScript (the forecaster's LSTM, the AIOps autoencoder).
 */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
    private readonly b1 = 0.9,
    private readonly b2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One update of `params` by `grad`, each gradient scaled by `scale` (clipping) first. */
  step(params: Float64Array, grad: Float64Array, scale = 1): void {
    const { m, v, b1, b2, eps } = this;
    this.t++;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i] * scale;
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mh = m[i] / (1 - b1 ** this.t);
      const vh = v[i] / (1 - b2 ** this.t);
      params[i] -= (this.learningRate * mh) / (Math.sqrt(vh) + eps);
    }
  }
}

/** The factor that brings a gradient's norm down to `max` (1 when it is already within). */
export function clipScale(grad: Float64Array, max: number): number {
  let norm = 0;
  for (let i = 0; i < grad.length; i++) norm += grad[i] * grad[i];
  return Math.sqrt(norm) > max ? max / Math.sqrt(norm) : 1;
}
