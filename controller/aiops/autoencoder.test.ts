import { Random } from "../../common/random.js";
import { lossAndGradient, reconstructionError, trainAutoencoder } from "./autoencoder.js";

/** Healthy vectors where the signals move together: x1 = x0, x2 = -x0, x3 = 0.5 x0, plus noise. */
function correlated(n: number, seed: number): number[][] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => {
    const t = r.normal();
    return [t, t + 0.05 * r.normal(), -t + 0.05 * r.normal(), 0.5 * t + 0.05 * r.normal()];
  });
}

describe("autoencoder", () => {
  it("has the gradient of its loss (checked numerically)", () => {
    const r = new Random(3);
    const d = 4;
    const k = 2;
    const n = 2 * k * d + k + d;
    const params = Array.from({ length: n }, () => r.normal() * 0.5);
    const x = [0.3, -1.2, 0.7, 0.1];
    const grad = new Float64Array(n);
    lossAndGradient(params, d, k, x, grad);
    for (let i = 0; i < n; i++) {
      const h = 1e-6;
      const up = [...params];
      up[i] += h;
      const down = [...params];
      down[i] -= h;
      const numeric = (lossAndGradient(up, d, k, x) - lossAndGradient(down, d, k, x)) / (2 * h);
      expect(grad[i]).toBeCloseTo(numeric, 6);
    }
  });

  it("learns healthy correlations and flags a vector that breaks them, though no signal is far out", () => {
    const model = trainAutoencoder(correlated(300, 1), { hidden: 2, seed: 1 });
    const healthy = correlated(200, 2);
    const flagged = healthy.filter((x) => reconstructionError(model, x) > model.threshold).length;
    expect(flagged / healthy.length).toBeLessThan(0.02);
    // Each value within the healthy range, but x2 follows x0 instead of mirroring it.
    const broken = [1.5, 1.5, 1.5, 0.75];
    expect(reconstructionError(model, broken)).toBeGreaterThan(model.threshold);
    expect(model.trainedOn).toBe(300);
  });

  it("is reproducible from its seed", () => {
    const a = trainAutoencoder(correlated(50, 1), { seed: 9, epochs: 20 });
    const b = trainAutoencoder(correlated(50, 1), { seed: 9, epochs: 20 });
    expect(a).toEqual(b);
    expect(() => trainAutoencoder([])).toThrow(/at least one healthy vector/);
  });
});
