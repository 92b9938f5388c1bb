/**
 * A discrete-event simulation of one mesh destination: subsets of replicas behind Envoy-style
 * load balancing, fed by open-loop arrivals.
 *
 * The core is deliberately small and allocation-light (one object per request, one per service
 * completion) so it runs millions of requests per second; faults, clients, retries, hedging,
 * outlier detection and telemetry intervals build on it.
 */
import hdr from "hdr-histogram-js";
import { EventQueue } from "./event-queue.js";
import { Random } from "./random.js";

/** How long one request occupies a worker slot on a replica running at speed 1. */
export type ServiceTime =
  | { readonly kind: "deterministic"; readonly ms: number }
  | { readonly kind: "exponential"; readonly meanMs: number }
  | { readonly kind: "lognormal"; readonly meanMs: number; readonly cv: number }
  | { readonly kind: "pareto"; readonly alpha: number; readonly minMs: number; readonly maxMs: number };

/** Envoy's per-subset algorithms as Istio names them; LEAST_REQUEST is power of two choices. */
export type LoadBalancer = "ROUND_ROBIN" | "RANDOM" | "LEAST_REQUEST";

export interface ReplicaSpec {
  readonly subset: string;
  /** Concurrent worker slots; requests beyond them wait in a FIFO queue. */
  readonly slots: number;
  readonly serviceTime: ServiceTime;
  /**
   * Relative speed: service time is divided by it.
   * @default 1
   */
  readonly speed?: number;
  /** @default 0 */
  readonly errorProbability?: number;
}

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
  /**
   * Retry a try that answered with an error (5xx), as `retryOn: 5xx` does.
   * @default false
   */
  readonly retryOnError?: boolean;
}

/** Open-loop arrivals: Poisson, or evenly spaced (for hand-checked cases). */
export type Arrivals =
  | { readonly kind: "poisson"; readonly rps: number }
  | { readonly kind: "uniform"; readonly rps: number };

export interface SimulationConfig {
  readonly seed: number;
  readonly durationMs: number;
  /**
   * Requests that arrive before this are served but not measured.
   * @default 0
   */
  readonly warmupMs?: number;
  readonly replicas: readonly ReplicaSpec[];
  readonly arrivals: Arrivals;
  readonly routing: { readonly algorithm: LoadBalancer; readonly weights: Readonly<Record<string, number>> };
  /** @default no retries */
  readonly retries?: RetryPolicy;
  /**
   * The client gives up after this long: the request counts as an error at this latency.
   * @default no timeout
   */
  readonly clientTimeoutMs?: number;
}

export interface SimulationResult {
  /** Measured requests that ended: answered, failed or timed out. */
  readonly completed: number;
  /** Of those, the ones that ended in an error or a client timeout. */
  readonly errors: number;
  readonly timeouts: number;
  /** Tries started beyond one per request, over requests: the load retries and hedges add. */
  readonly extraLoad: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly throughputRps: number;
  /** Busy slot-time over available slot-time, per replica, over the measured period. */
  readonly utilization: readonly number[];
}

interface Request {
  readonly arrivalMs: number;
  readonly measured: boolean;
  done: boolean;
  tries: number;
  /** Tries in flight (started or queued) whose answer is still awaited. */
  pending: number;
  readonly hosts: Replica[];
}

/** One try of a request on one replica. */
interface Attempt {
  readonly request: Request;
  readonly replica: Replica;
  /** Set once the client stops waiting for this try (its per-try timeout passed without hedging). */
  abandoned: boolean;
  startedMs: number;
}

interface Replica {
  readonly index: number;
  readonly slots: number;
  readonly serviceTime: ServiceTime;
  readonly speed: number;
  readonly errorProbability: number;
  busy: number;
  readonly queue: Attempt[];
  queueHead: number;
  busyMs: number;
}

const ARRIVAL = null;
type Event =
  | typeof ARRIVAL
  | { readonly kind: "done"; readonly attempt: Attempt }
  | { readonly kind: "try-timeout"; readonly attempt: Attempt }
  | { readonly kind: "client-timeout"; readonly request: Request };

/** How many times a retry or hedge re-picks to avoid a host the request already tried (Istio sets 5). */
const HOST_SELECTION_RETRIES = 5;

/** Runs one simulation to completion and returns its measurements. */
export function simulate(config: SimulationConfig): SimulationResult {
  return new Simulation(config).run();
}

class Simulation {
  private readonly events = new EventQueue<Event>();
  private readonly replicas: Replica[];
  private readonly subsets: Replica[][];
  private readonly cumulativeWeights: number[];
  private readonly roundRobin: number[];
  private readonly arrivalRandom: Random;
  private readonly serviceRandom: Random;
  private readonly routingRandom: Random;
  private readonly errorRandom: Random;
  private readonly latencyUs = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  private now = 0;
  private completed = 0;
  private errors = 0;
  private timeouts = 0;
  private measuredRequests = 0;
  private measuredTries = 0;
  private latencySumMs = 0;

  constructor(private readonly config: SimulationConfig) {
    const root = new Random(config.seed);
    this.arrivalRandom = root.fork("arrivals");
    this.serviceRandom = root.fork("service");
    this.routingRandom = root.fork("routing");
    this.errorRandom = root.fork("errors");
    this.replicas = config.replicas.map((spec, index) => ({
      index,
      slots: spec.slots,
      serviceTime: spec.serviceTime,
      speed: spec.speed ?? 1,
      errorProbability: spec.errorProbability ?? 0,
      busy: 0,
      queue: [],
      queueHead: 0,
      busyMs: 0,
    }));
    const names = Object.keys(config.routing.weights).sort();
    this.subsets = names.map((name) => this.replicas.filter((_, i) => config.replicas[i].subset === name));
    let total = 0;
    this.cumulativeWeights = names.map((name) => (total += config.routing.weights[name]));
    this.roundRobin = names.map(() => 0);
  }

  run(): SimulationResult {
    const { durationMs } = this.config;
    const warmupMs = this.config.warmupMs ?? 0;
    this.events.push(this.nextArrivalGap(), ARRIVAL);
    while (this.events.size > 0 && this.events.peekTime() <= durationMs) {
      this.now = this.events.peekTime();
      const event = this.events.pop();
      if (event === ARRIVAL) {
        this.arrive(this.now >= warmupMs);
        this.events.push(this.now + this.nextArrivalGap(), ARRIVAL);
      } else if (event.kind === "done") {
        this.complete(event.attempt);
      } else if (event.kind === "try-timeout") {
        this.tryTimedOut(event.attempt);
      } else {
        this.clientTimedOut(event.request);
      }
    }
    const measuredMs = durationMs - warmupMs;
    return {
      completed: this.completed,
      errors: this.errors,
      timeouts: this.timeouts,
      extraLoad:
        this.measuredRequests > 0 ? (this.measuredTries - this.measuredRequests) / this.measuredRequests : 0,
      meanMs: this.completed > 0 ? this.latencySumMs / this.completed : Number.NaN,
      p50Ms: this.latencyUs.getValueAtPercentile(50) / 1000,
      p99Ms: this.latencyUs.getValueAtPercentile(99) / 1000,
      p999Ms: this.latencyUs.getValueAtPercentile(99.9) / 1000,
      throughputRps: (this.completed * 1000) / measuredMs,
      utilization: this.replicas.map((r) => r.busyMs / (r.slots * durationMs)),
    };
  }

  private nextArrivalGap(): number {
    const { arrivals } = this.config;
    return arrivals.kind === "uniform"
      ? 1000 / arrivals.rps
      : this.arrivalRandom.exponential(1000 / arrivals.rps);
  }

  private arrive(measured: boolean): void {
    const request: Request = { arrivalMs: this.now, measured, done: false, tries: 0, pending: 0, hosts: [] };
    if (measured) this.measuredRequests++;
    if (this.config.clientTimeoutMs !== undefined) {
      this.events.push(this.now + this.config.clientTimeoutMs, { kind: "client-timeout", request });
    }
    this.send(request);
  }

  /** Starts one try of the request on a host it has not tried yet, when one can be found. */
  private send(request: Request): void {
    const subset = this.pickSubset();
    let replica = this.pickReplica(subset);
    for (let i = 0; i < HOST_SELECTION_RETRIES && request.hosts.includes(replica); i++)
      replica = this.pickReplica(subset);
    request.hosts.push(replica);
    request.tries++;
    request.pending++;
    if (request.measured) this.measuredTries++;
    const attempt: Attempt = { request, replica, abandoned: false, startedMs: 0 };
    const retries = this.config.retries;
    if (retries) this.events.push(this.now + retries.perTryTimeoutMs, { kind: "try-timeout", attempt });
    if (replica.busy < replica.slots) this.start(attempt);
    else replica.queue.push(attempt);
  }

  /**
   * A try ran past its per-try timeout: hedge alongside it, or give up on it and retry. With no
   * try left, a plain retry policy fails the request (Envoy's 504); a hedged one keeps waiting.
   */
  private tryTimedOut(attempt: Attempt): void {
    const request = attempt.request;
    if (request.done || attempt.abandoned) return;
    const retries = this.config.retries as RetryPolicy;
    if (!retries.hedge) {
      attempt.abandoned = true;
      request.pending--;
    }
    if (request.tries <= retries.attempts) this.send(request);
    else if (request.pending === 0) this.finish(request, this.now - request.arrivalMs, true);
  }

  private clientTimedOut(request: Request): void {
    if (request.done) return;
    this.finish(request, this.config.clientTimeoutMs as number, true);
    if (request.measured) this.timeouts++;
  }

  private pickSubset(): number {
    const weights = this.cumulativeWeights;
    if (weights.length === 1) return 0;
    const x = this.routingRandom.uniform() * weights[weights.length - 1];
    let i = 0;
    while (x >= weights[i]) i++;
    return i;
  }

  private pickReplica(subset: number): Replica {
    const replicas = this.subsets[subset];
    const n = replicas.length;
    switch (this.config.routing.algorithm) {
      case "ROUND_ROBIN": {
        const next = this.roundRobin[subset];
        this.roundRobin[subset] = (next + 1) % n;
        return replicas[next];
      }
      case "RANDOM":
        return replicas[this.routingRandom.int(n)];
      case "LEAST_REQUEST": {
        if (n === 1) return replicas[0];
        // Envoy's default: two distinct random hosts, the one with fewer outstanding requests wins.
        const a = this.routingRandom.int(n);
        let b = this.routingRandom.int(n - 1);
        if (b >= a) b++;
        return load(replicas[b]) < load(replicas[a]) ? replicas[b] : replicas[a];
      }
    }
  }

  private start(attempt: Attempt): void {
    const replica = attempt.replica;
    replica.busy++;
    attempt.startedMs = this.now;
    const serviceMs = sampleServiceTime(replica.serviceTime, this.serviceRandom) / replica.speed;
    this.events.push(this.now + serviceMs, { kind: "done", attempt });
  }

  private complete(attempt: Attempt): void {
    const { replica, request } = attempt;
    replica.busy--;
    replica.busyMs += this.now - attempt.startedMs;
    const failed = replica.errorProbability > 0 && this.errorRandom.chance(replica.errorProbability);
    if (!request.done && !attempt.abandoned) {
      request.pending--;
      const retries = this.config.retries;
      if (!failed) this.finish(request, this.now - request.arrivalMs, false);
      else if (retries?.retryOnError && request.tries <= retries.attempts) this.send(request);
      else if (request.pending === 0) this.finish(request, this.now - request.arrivalMs, true);
    }
    if (replica.queueHead < replica.queue.length) {
      const next = replica.queue[replica.queueHead++];
      // Compact the FIFO now and then instead of shifting on every dequeue.
      if (replica.queueHead > 1024 && replica.queueHead * 2 > replica.queue.length) {
        replica.queue.splice(0, replica.queueHead);
        replica.queueHead = 0;
      }
      this.start(next);
    }
  }

  /** The request's outcome is known: record it once. */
  private finish(request: Request, latencyMs: number, failed: boolean): void {
    request.done = true;
    if (!request.measured) return;
    this.completed++;
    if (failed) this.errors++;
    this.latencySumMs += latencyMs;
    this.latencyUs.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
  }
}

/** Outstanding requests on a replica: in service plus waiting. */
function load(replica: Replica): number {
  return replica.busy + replica.queue.length - replica.queueHead;
}

/** One service time in milliseconds, at speed 1. */
export function sampleServiceTime(spec: ServiceTime, random: Random): number {
  switch (spec.kind) {
    case "deterministic":
      return spec.ms;
    case "exponential":
      return random.exponential(spec.meanMs);
    case "lognormal":
      return random.lognormal(spec.meanMs, spec.cv);
    case "pareto":
      return random.boundedPareto(spec.alpha, spec.minMs, spec.maxMs);
  }
}
