/**
 * PromQL's `rate()` and `histogram_quantile()`, computed the way Prometheus 2.x computes them
 * (promql/functions.go `extrapolatedRate`, promql/quantile.go `bucketQuantile`), so that the
 * simulator hands a policy the same figures the controller gets from a real Prometheus. A test
 * checks both against Debian's promtool.
 */

export interface Sample {
  readonly atMs: number;
  readonly value: number;
}

/**
 * `rate(series[rangeMs])` evaluated at `atMs`: samples in [atMs - rangeMs, atMs] (closed at both
 * ends, as in Prometheus 2.x), counter resets corrected, and the increase extrapolated towards
 * the range's ends unless a sample is too far from them. Undefined with fewer than two samples.
 */
export function extrapolatedRate(
  samples: readonly Sample[],
  atMs: number,
  rangeMs: number,
): number | undefined {
  const start = atMs - rangeMs;
  const inRange = samples.filter((s) => s.atMs >= start && s.atMs <= atMs);
  if (inRange.length < 2) return undefined;
  const first = inRange[0];
  const last = inRange[inRange.length - 1];
  let increase = last.value - first.value;
  for (let i = 1; i < inRange.length; i++)
    if (inRange[i].value < inRange[i - 1].value) increase += inRange[i - 1].value;
  const sampled = (last.atMs - first.atMs) / 1000;
  const average = sampled / (inRange.length - 1);
  let toStart = (first.atMs - start) / 1000;
  const toEnd = (atMs - last.atMs) / 1000;
  // A counter cannot go below zero: do not extrapolate to before it would have been zero.
  if (increase > 0 && first.value >= 0) {
    const toZero = sampled * (first.value / increase);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = average * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : average / 2;
  interval += toEnd < threshold ? toEnd : average / 2;
  return (increase * (interval / sampled)) / (rangeMs / 1000);
}

export interface Bucket {
  /** The bucket's `le`; the last one is +Inf. */
  readonly upperBound: number;
  /** Cumulative count (or rate) of observations at or below the bound. */
  readonly count: number;
}

/**
 * `histogram_quantile(q, ...)` over one histogram's buckets: linear interpolation inside the
 * bucket the rank falls in, the lowest bucket starting at 0, and the highest finite bound when
 * the rank falls in +Inf. Undefined where PromQL answers NaN (no observations, too few buckets).
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...buckets].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length < 2 || sorted[sorted.length - 1].upperBound !== Number.POSITIVE_INFINITY)
    return undefined;
  // Counts can dip where series are scraped apart; Prometheus flattens them to be monotonic.
  let max = Number.NEGATIVE_INFINITY;
  const counts = sorted.map((b) => (max = Math.max(max, b.count)));
  const observations = counts[counts.length - 1];
  if (!(observations > 0)) return undefined;
  let rank = q * observations;
  let b = counts.findIndex((c, i) => i < counts.length - 1 && c >= rank);
  if (b < 0) b = counts.length - 1;
  if (b === counts.length - 1) return sorted[counts.length - 2].upperBound;
  if (b === 0 && sorted[0].upperBound <= 0) return sorted[0].upperBound;
  let bucketStart = 0;
  let count = counts[b];
  if (b > 0) {
    bucketStart = sorted[b - 1].upperBound;
    count -= counts[b - 1];
    rank -= counts[b - 1];
  }
  return bucketStart + (sorted[b].upperBound - bucketStart) * (rank / count);
}
