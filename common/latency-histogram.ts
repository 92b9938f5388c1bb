import hdr, { type Histogram } from "hdr-histogram-js";

/**
 * A latency histogram in microseconds from 1 µs to an hour at three significant digits: the
 * simulator's replicas, the load runner and the closed loop all record into this shape, so their
 * percentiles compare.
 */
export function newLatencyHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}
