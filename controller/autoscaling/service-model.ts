/**
 * The service an autoscaling run scales, as a fluid model at a fine tick: requests arrive at the
 * trace's rate and are spread evenly over the ready replicas (Istio's LEAST_REQUEST keeps them close
 * to even); each replica is an M/M/1 queue whose service rate is its CPU capacity. That gives, per
 * tick, the CPU utilization the HPA reads and the share of requests slower than the objective, the
 * ground truth the benchmark scores. Beyond capacity the excess queues (a backlog drained as capacity
 * returns) until the client's timeout, past which requests fail.
 *
 * Why M/M/1: a Node.js service runs its CPU work on one thread per replica, so a replica is one
 * server; exponential service times are the conservative choice for a mix of routes.
 */

export interface ServiceProfile {
  /** Requests per second one replica serves at 100% of its CPU request. */
  readonly capacityRps: number;
  /** Latency a request spends outside the replica's queue (network, downstream calls), ms. */
  readonly baseLatencyMs: number;
  /** The objective: p99 latency, ms. */
  readonly p99ObjectiveMs: number;
  /** A request queued longer than this fails (the caller's timeout), ms. */
  readonly timeoutMs: number;
}

export interface TickLoad {
  /** Requests per second arriving this tick. */
  readonly rps: number;
  /** Replicas ready to serve. */
  readonly ready: number;
  /** Requests waiting from earlier ticks (beyond capacity). */
  readonly backlog: number;
}

export interface TickOutcome {
  /** Each ready replica's CPU utilization of its request, 0 to 1. */
  readonly utilization: number;
  /** Share of this tick's requests slower than the objective (or failed). */
  readonly slowShare: number;
  /** Requests still waiting after this tick. */
  readonly backlog: number;
  /** Requests that timed out this tick. */
  readonly failed: number;
}

/** One tick of `seconds`. */
export function serveTick(profile: ServiceProfile, load: TickLoad, seconds: number): TickOutcome {
  const capacity = load.ready * profile.capacityRps;
  const arriving = load.rps * seconds;
  if (capacity <= 0)
    return { utilization: 0, slowShare: arriving > 0 ? 1 : 0, backlog: load.backlog, failed: arriving };
  const offered = arriving + load.backlog;
  const served = Math.min(offered, capacity * seconds);
  let backlog = offered - served;
  // A backlog older than the timeout is lost: at most timeout × capacity can wait.
  const maxWaiting = (profile.timeoutMs / 1000) * capacity;
  const failed = Math.max(0, backlog - maxWaiting);
  backlog -= failed;
  const utilization = served / (capacity * seconds);
  const slowShare = backlog > 0 || failed > 0 ? 1 : slowerThan(profile, load.rps / load.ready);
  return { utilization, slowShare, backlog, failed };
}

/**
 * The share of requests at one replica, arriving at `lambda` per second, whose latency exceeds the
 * objective: in M/M/1 the time in system is exponential with rate μ − λ.
 */
export function slowerThan(profile: ServiceProfile, lambda: number): number {
  const mu = profile.capacityRps;
  if (lambda >= mu) return 1;
  const budgetSeconds = (profile.p99ObjectiveMs - profile.baseLatencyMs) / 1000;
  if (budgetSeconds <= 0) return 1;
  return Math.exp(-(mu - lambda) * budgetSeconds);
}

/** The p99 latency, ms, at per-replica arrival rate `lambda` (M/M/1: ln(100)/(μ − λ)). */
export function p99LatencyMs(profile: ServiceProfile, lambda: number): number {
  const mu = profile.capacityRps;
  if (lambda >= mu) return Number.POSITIVE_INFINITY;
  return profile.baseLatencyMs + (1000 * Math.log(100)) / (mu - lambda);
}

/** The highest utilization at which the p99 still meets the objective. */
export function sloUtilization(profile: ServiceProfile): number {
  const budgetSeconds = (profile.p99ObjectiveMs - profile.baseLatencyMs) / 1000;
  return Math.max(0, 1 - Math.log(100) / (profile.capacityRps * budgetSeconds));
}
