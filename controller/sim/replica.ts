import type { Histogram } from "hdr-histogram-js";
import { newLatencyHistogram } from "../../common/latency-histogram.js";
import type { ReplicaSpec, RetryPolicy, ServiceTime } from "./model.js";

/** One try of a request on one replica. */
export interface Attempt {
  readonly request: RequestState;
  readonly replica: ReplicaState;
  readonly sentMs: number;
  /** The client no longer waits for it: abandoned after a per-try timeout, or another try won. */
  abandoned: boolean;
  /** The replica began serving it; a reset try that has not started is dropped from the queue. */
  started: boolean;
  startedMs: number;
  /** Requests at the replica when this try reached it, itself not counted (Prequal's servers key latency by it). */
  readonly rifAtArrival: number;
}

/** A client request and its tries. */
export interface RequestState {
  readonly arrivalMs: number;
  /** The retry policy in force when the request started; later routing changes do not touch it, as in Envoy. */
  readonly retries: RetryPolicy | undefined;
  readonly measured: boolean;
  /** Closed-loop user that sent it; -1 for open-loop arrivals. */
  readonly user: number;
  done: boolean;
  tries: number;
  readonly attempts: Attempt[];
}

/** A replica's mutable state during a run. */
export interface ReplicaState {
  readonly index: number;
  readonly id: string;
  readonly subset: string;
  /** Position of its subset in the engine's sorted subset list. */
  subsetIndex: number;
  readonly slots: number;
  readonly serviceTime: ServiceTime;
  readonly meanServiceMs: number;
  readonly baseSpeed: number;
  readonly baseErrorProbability: number;
  readonly costPerCpuSecond: number;
  busy: number;
  readonly queue: Attempt[];
  queueHead: number;
  /** Tries the client is still waiting on (Envoy's active requests to this host). */
  inflight: number;
  /** Integral of busy slots over time, updated whenever `busy` changes. */
  busyIntegral: number;
  lastBusyChange: number;
  /** Peak-EWMA latency estimate and when it was last updated. */
  ewmaMs: number;
  ewmaStamp: number;
  /** Outlier detection. */
  consecutiveFailures: number;
  ejectedUntil: number;
  ejections: number;
  /** Server-side telemetry for the current interval. */
  intervalTries: number;
  intervalErrors: number;
  intervalBusyStart: number;
  readonly intervalLatencyUs: Histogram;
}

/** Mean of a service-time distribution, ms. */
export function meanServiceMs(spec: ServiceTime): number {
  switch (spec.kind) {
    case "deterministic":
      return spec.ms;
    case "exponential":
    case "lognormal":
      return spec.meanMs;
    case "pareto": {
      const { alpha: a, minMs: l, maxMs: h } = spec;
      if (a === 1) return ((h * l) / (h - l)) * Math.log(h / l);
      return (l ** a / (1 - (l / h) ** a)) * (a / (a - 1)) * (1 / l ** (a - 1) - 1 / h ** (a - 1));
    }
  }
}

/** Peak EWMA's starting estimate and decay, as Linkerd's proxy sets them. */
export const PEAK_EWMA_DEFAULT_RTT_MS = 30;
export const PEAK_EWMA_DECAY_MS = 10_000;

export function replicaState(
  spec: ReplicaSpec,
  index: number,
  idInSubset: number,
  speed: number,
): ReplicaState {
  return {
    index,
    id: `${spec.subset}-${idInSubset}`,
    subset: spec.subset,
    subsetIndex: -1,
    slots: spec.slots,
    serviceTime: spec.serviceTime,
    meanServiceMs: meanServiceMs(spec.serviceTime),
    baseSpeed: speed,
    baseErrorProbability: spec.errorProbability ?? 0,
    costPerCpuSecond: spec.costPerCpuSecond ?? 1,
    busy: 0,
    queue: [],
    queueHead: 0,
    inflight: 0,
    busyIntegral: 0,
    lastBusyChange: 0,
    ewmaMs: PEAK_EWMA_DEFAULT_RTT_MS,
    ewmaStamp: 0,
    consecutiveFailures: 0,
    ejectedUntil: Number.NEGATIVE_INFINITY,
    ejections: 0,
    intervalTries: 0,
    intervalErrors: 0,
    intervalBusyStart: 0,
    intervalLatencyUs: newLatencyHistogram(),
  };
}

/** Requests at the replica: in service plus waiting (the server's own view). */
export function queued(r: ReplicaState): number {
  return r.busy + r.queue.length - r.queueHead;
}

/** Adds busy slot-time up to `now`; call before every change of `busy`. */
export function accrueBusy(r: ReplicaState, now: number): void {
  r.busyIntegral += r.busy * (now - r.lastBusyChange);
  r.lastBusyChange = now;
}
