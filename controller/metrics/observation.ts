/**
 * What a metrics source reports about one destination over one control interval.
 *
 * The simulator and the Prometheus source produce exactly these types, so a policy cannot tell
 * which one it is talking to. A figure that could not be measured is `undefined`, never zero:
 * "no requests" and "no latency" are different facts.
 */

/** Golden signals of a subset or a replica over the interval. */
export interface WorkloadStats {
  readonly rps: number;
  /** Errored requests over requests; undefined with no requests. */
  readonly errorRatio: number | undefined;
  readonly p50Ms: number | undefined;
  readonly p95Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Busy CPU over available CPU, 0 to 1; undefined when unknown. */
  readonly cpuUtilization: number | undefined;
}

export interface SubsetStats extends WorkloadStats {
  readonly replicas: number;
}

export interface ReplicaStats extends WorkloadStats {
  readonly subset: string;
}

export interface Observation {
  /** End of the interval, ms since the start of the run (simulator) or the epoch (Prometheus). */
  readonly atMs: number;
  readonly windowMs: number;
  readonly subsets: Readonly<Record<string, SubsetStats>>;
  readonly replicas: Readonly<Record<string, ReplicaStats>>;
  /** True when the source could not produce fresh data; policies must hold. */
  readonly stale: boolean;
  /**
   * Tries the servers received per request the clients sent, minus one: the load retries and
   * hedges add (Istio's destination-reported requests over its source-reported ones). Undefined
   * when the clients' side is not reported.
   */
  readonly extraLoad?: number;
}
