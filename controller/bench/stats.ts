/** Summary statistics across seeds. */

/** Two-sided 97.5% quantiles of Student's t by degrees of freedom (1 to 30); beyond, the normal's 1.96. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  readonly mean: number;
  /** Half-width of the 95% confidence interval of the mean; 0 with one sample. */
  readonly halfWidth: number;
  readonly n: number;
}

export function meanInterval(values: readonly number[]): Interval {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { mean: Number.NaN, halfWidth: Number.NaN, n: 0 };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, halfWidth: 0, n };
  const sd = Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const t = T_975[Math.min(n - 1, T_975.length) - 1] ?? 1.96;
  return { mean, halfWidth: (t * sd) / Math.sqrt(n), n };
}

/** "12.3 ± 0.4", with a sensible number of digits for the magnitude. */
export function formatInterval(i: Interval, digits?: number): string {
  if (!Number.isFinite(i.mean)) return "n/a";
  const d = digits ?? (Math.abs(i.mean) >= 100 ? 0 : Math.abs(i.mean) >= 10 ? 1 : 2);
  return i.n > 1 ? `${i.mean.toFixed(d)} ± ${i.halfWidth.toFixed(d)}` : i.mean.toFixed(d);
}
