/**
 * The simulator's input: replicas, load, faults and the routing knobs a policy can turn.
 */
import type { LaneKnob, LeastRequestKnob } from "../policy/policy.js";

/** How long one request holds a worker slot on a replica running at speed 1. */
export type ServiceTime =
  | { readonly kind: "deterministic"; readonly ms: number }
  | { readonly kind: "exponential"; readonly meanMs: number }
  | { readonly kind: "lognormal"; readonly meanMs: number; readonly cv: number }
  | { readonly kind: "pareto"; readonly alpha: number; readonly minMs: number; readonly maxMs: number };

/**
 * Per-request algorithms within a subset. The first three are Envoy's, as Istio names them
 * (LEAST_REQUEST is power of two choices); the rest are peers that exist only in the simulator:
 * Envoy's LEAST_REQUEST with full scan (join-shortest-queue) and client-side weighted round robin
 * from ORCA reports, which Istio does not expose; Linkerd's peak-EWMA; Prequal; and an oracle.
 */
export type LoadBalancer =
  | "ROUND_ROBIN"
  | "RANDOM"
  | "LEAST_REQUEST"
  | "LEAST_REQUEST_FULL_SCAN"
  | "ORCA_WRR"
  | "PEAK_EWMA"
  | "PREQUAL"
  | "ORACLE";

export interface ReplicaSpec {
  readonly subset: string;
  /** Concurrent worker slots; requests beyond them wait in a FIFO queue. */
  readonly slots: number;
  readonly serviceTime: ServiceTime;
  /** Relative speed: service time is divided by it. @default 1 */
  readonly speed?: number;
  /** @default 0 */
  readonly errorProbability?: number;
  /** Cost of one busy slot-second, for cost-aware routing. @default 1 */
  readonly costPerCpuSecond?: number;
}

/** Open-loop arrival processes. */
export type Arrivals =
  | { readonly kind: "poisson"; readonly rps: number }
  /** Evenly spaced, for hand-checked cases. */
  | { readonly kind: "uniform"; readonly rps: number }
  /** Markov-modulated Poisson: cycles through states, each held for an exponential time. */
  | {
      readonly kind: "mmpp";
      readonly states: readonly { readonly rps: number; readonly meanDurationMs: number }[];
    }
  /** Base load, a linear ramp to the peak, a hold, and a ramp back down. */
  | {
      readonly kind: "flash-sale";
      readonly baseRps: number;
      readonly peakRps: number;
      readonly startMs: number;
      readonly rampMs: number;
      readonly holdMs: number;
    };

/** Closed-loop virtual users: each sends a request, waits for its outcome, thinks, repeats. */
export interface ClosedLoopClients {
  readonly users: number;
  /** Mean think time (exponential). */
  readonly thinkMs: number;
}

/** Faults on a timeline. Replica indexes refer to the expanded replica list. */
export type Fault =
  /** The replica runs `factor` times slower. */
  | {
      readonly kind: "brownout";
      readonly replica: number;
      readonly factor: number;
      readonly fromMs: number;
      readonly toMs: number;
    }
  /** The replica answers errors with this probability. */
  | {
      readonly kind: "error-burst";
      readonly replica: number;
      readonly probability: number;
      readonly fromMs: number;
      readonly toMs: number;
    }
  /** The replica refuses connections: every try fails at once. */
  | { readonly kind: "crash"; readonly replica: number; readonly fromMs: number; readonly toMs: number }
  /** Every period, each replica runs at its speed or `fastFactor` times it, with equal chance (C3's simulator). */
  | { readonly kind: "speed-flip"; readonly periodMs: number; readonly fastFactor: number };

/** Envoy outlier detection as Istio configures it, per subset (each subset is an Envoy cluster). */
export interface OutlierDetection {
  readonly consecutive5xxErrors: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
}

/** Envoy's defaults once outlier detection is on; Istio's DestinationRules in the tree use them. */
export const ENVOY_OUTLIER_DEFAULTS: OutlierDetection = {
  consecutive5xxErrors: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
};

/**
 * Envoy's retry policy as Istio sets it on a route: `attempts` retries beyond the first try, each
 * try bounded by `perTryTimeoutMs`. With `hedge`, a try that reaches its timeout is not cancelled:
 * another try starts on a different host and the first response wins (Envoy's
 * `hedge_on_per_try_timeout`). Either way the replica that lost keeps working on the request,
 * because a server does not learn that its client gave up.
 */
export interface RetryPolicy {
  readonly attempts: number;
  readonly perTryTimeoutMs: number;
  /** @default false */
  readonly hedge?: boolean;
  /** Retry a try that answered with an error (5xx), as `retryOn: 5xx` does. @default false */
  readonly retryOnError?: boolean;
  /** Set by the ejection lever (retry_on `reset`); the simulator retries a timed-out try in any case. */
  readonly onTimeout?: boolean;
}

/** The knobs the production actuator can set, and therefore the only ones a policy may turn. */
export interface Routing {
  readonly algorithm: LoadBalancer;
  /** Relative subset weights. */
  readonly weights: Readonly<Record<string, number>>;
  readonly outlierDetection?: OutlierDetection;
  readonly retries?: RetryPolicy;
  /** Choice count or full scan, with LEAST_REQUEST. */
  readonly leastRequest?: LeastRequestKnob;
  /** Replicas (by id, as `v1-0`) taken out of their subset, and the share of requests mirrored to them. */
  readonly lane?: LaneKnob;
}

export interface SimulationConfig {
  readonly seed: number;
  readonly durationMs: number;
  /** Requests that arrive before this are served but not measured. @default 0 */
  readonly warmupMs?: number;
  readonly replicas: readonly ReplicaSpec[];
  /** Open-loop load; give this or `clients`. */
  readonly arrivals?: Arrivals;
  /** Closed-loop load; give this or `arrivals`. */
  readonly clients?: ClosedLoopClients;
  readonly routing: Routing;
  /** The client gives up after this long: the request counts as an error at this latency. @default none */
  readonly clientTimeoutMs?: number;
  /** @default none */
  readonly faults?: readonly Fault[];
  /** How often telemetry is reported (and a policy may decide). @default no telemetry */
  readonly controlIntervalMs?: number;
  /** Prometheus scrapes the sidecars' counters this often. @default no scrapes */
  readonly scrapeIntervalMs?: number;
  /**
   * When the first scrape happens. Scrapes and the controller's queries are not aligned in a
   * cluster, so the figures a query sees are up to one scrape interval old.
   * @default a phase drawn from the seed, within the first scrape interval
   */
  readonly scrapeOffsetMs?: number;
}
