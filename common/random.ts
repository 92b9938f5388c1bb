import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

const TWO_POW_32 = 4294967296;

/**
 * A seeded random stream with the samplers the simulator needs.
 *
 * Separate concerns draw from separate streams (`fork`), so changing a routing policy never
 * shifts the arrival sequence or the service times: every policy faces the same traffic
 * (common random numbers), which makes comparisons between policies fair and less noisy.
 */
export class Random {
  private readonly generator: RandomGenerator;
  private spareNormal: number | undefined;

  constructor(readonly seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
  }

  /** An independent stream derived from this seed and a label. */
  fork(label: string): Random {
    let h = (this.seed ^ 0x9e3779b9) | 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b) ^ (h >>> 13);
    return new Random(h ^ (h >>> 16));
  }

  /** Uniform in the open interval (0, 1): never 0, so logarithms stay finite. */
  uniform(): number {
    return ((this.generator.next() >>> 0) + 0.5) / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(this.uniform());
  }

  /** Standard normal, by Box-Muller (the second value is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Lognormal with the given mean and coefficient of variation. */
  lognormal(mean: number, cv: number): number {
    const sigma2 = Math.log(1 + cv * cv);
    return Math.exp(Math.log(mean) - sigma2 / 2 + Math.sqrt(sigma2) * this.normal());
  }

  /** Bounded Pareto on [low, high] with shape alpha, by inverse transform. */
  boundedPareto(alpha: number, low: number, high: number): number {
    const u = this.uniform();
    const ratio = (low / high) ** alpha;
    return low / (1 - u * (1 - ratio)) ** (1 / alpha);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }
}
