import type { Histogram } from "hdr-histogram-js";
import { newLatencyHistogram } from "../../common/latency-histogram.js";
import type { Observation, ReplicaStats, SubsetStats, WorkloadStats } from "../metrics/observation.js";
import { extraLoadOf } from "../metrics/promql.js";
import { ordinal } from "../ordinal.js";
import { accrueBusy, type ReplicaState } from "./replica.js";

/**
 * Server-side figures per replica and subset over one control interval, as Istio's
 * reporter="destination" metrics and container CPU would show them; then resets the counters.
 */
export function collectObservation(
  replicas: readonly ReplicaState[],
  now: number,
  windowMs: number,
  requests: number,
  lane: readonly ReplicaState[] = [],
): Observation {
  const replicaStats: Record<string, ReplicaStats> = {};
  let extraTries = 0;
  const bySubset = new Map<
    string,
    { tries: number; errors: number; busy: number; slots: number; hist: Histogram; count: number }
  >();
  for (const r of replicas) {
    accrueBusy(r, now);
    const busy = r.busyIntegral - r.intervalBusyStart;
    replicaStats[r.id] = {
      subset: r.subset,
      ...stats(r.intervalTries, r.intervalErrors, r.intervalLatencyUs, windowMs, busy / (r.slots * windowMs)),
    };
    let s = bySubset.get(r.subset);
    if (!s) {
      s = { tries: 0, errors: 0, busy: 0, slots: 0, hist: newLatencyHistogram(), count: 0 };
      bySubset.set(r.subset, s);
    }
    s.count++;
    // A pod in the quarantine lane serves only mirrored probes: reported alone, not in its version.
    if (lane.includes(r)) {
      extraTries += r.intervalTries;
      resetInterval(r);
      continue;
    }
    s.tries += r.intervalTries;
    s.errors += r.intervalErrors;
    s.busy += busy;
    s.slots += r.slots;
    if (r.intervalTries > 0) s.hist.add(r.intervalLatencyUs);
    resetInterval(r);
  }
  const subsets: Record<string, SubsetStats> = {};
  for (const [name, s] of [...bySubset.entries()].sort(([a], [b]) => ordinal(a, b))) {
    subsets[name] = {
      replicas: s.count,
      ...stats(s.tries, s.errors, s.hist, windowMs, s.busy / (s.slots * windowMs)),
    };
  }
  const tries = Object.values(subsets).reduce((n, s) => n + (s.rps * windowMs) / 1000, extraTries);
  return {
    atMs: now,
    windowMs,
    subsets,
    replicas: replicaStats,
    stale: false,
    extraLoad: extraLoadOf(tries, requests),
  };
}

function resetInterval(r: ReplicaState): void {
  r.intervalTries = 0;
  r.intervalErrors = 0;
  r.intervalBusyStart = r.busyIntegral;
  r.intervalLatencyUs.reset();
}

function stats(tries: number, errors: number, hist: Histogram, windowMs: number, cpu: number): WorkloadStats {
  const q = (p: number) => (tries > 0 ? hist.getValueAtPercentile(p) / 1000 : undefined);
  return {
    rps: (tries * 1000) / windowMs,
    errorRatio: tries > 0 ? errors / tries : undefined,
    p50Ms: q(50),
    p95Ms: q(95),
    p99Ms: q(99),
    cpuUtilization: cpu,
  };
}
