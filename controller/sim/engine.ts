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

export interface SimulationConfig {
  readonly seed: number;
  readonly durationMs: number;
  /**
   * Requests that arrive before this are served but not measured.
   * @default 0
   */
  readonly warmupMs?: number;
  readonly replicas: readonly ReplicaSpec[];
  /** Open-loop Poisson arrivals. */
  readonly arrivals: { readonly kind: "poisson"; readonly rps: number };
  readonly routing: { readonly algorithm: LoadBalancer; readonly weights: Readonly<Record<string, number>> };
}

export interface SimulationResult {
  readonly completed: number;
  readonly errors: number;
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
}

interface Replica {
  readonly index: number;
  readonly slots: number;
  readonly serviceTime: ServiceTime;
  readonly speed: number;
  readonly errorProbability: number;
  busy: number;
  readonly queue: Request[];
  queueHead: number;
  busyMs: number;
}

interface Completion {
  readonly replica: Replica;
  readonly request: Request;
  readonly startedMs: number;
}

const ARRIVAL = null;
type Event = Completion | typeof ARRIVAL;

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
    this.events.push(this.arrivalRandom.exponential(1000 / this.config.arrivals.rps), ARRIVAL);
    while (this.events.size > 0 && this.events.peekTime() <= durationMs) {
      this.now = this.events.peekTime();
      const event = this.events.pop();
      if (event === ARRIVAL) {
        this.arrive({ arrivalMs: this.now, measured: this.now >= warmupMs });
        this.events.push(this.now + this.arrivalRandom.exponential(1000 / this.config.arrivals.rps), ARRIVAL);
      } else {
        this.complete(event);
      }
    }
    const measuredMs = durationMs - warmupMs;
    return {
      completed: this.completed,
      errors: this.errors,
      meanMs: this.completed > 0 ? this.latencySumMs / this.completed : Number.NaN,
      p50Ms: this.latencyUs.getValueAtPercentile(50) / 1000,
      p99Ms: this.latencyUs.getValueAtPercentile(99) / 1000,
      p999Ms: this.latencyUs.getValueAtPercentile(99.9) / 1000,
      throughputRps: (this.completed * 1000) / measuredMs,
      utilization: this.replicas.map((r) => r.busyMs / (r.slots * durationMs)),
    };
  }

  private arrive(request: Request): void {
    const subset = this.pickSubset();
    const replica = this.pickReplica(subset);
    if (replica.busy < replica.slots) this.start(replica, request);
    else replica.queue.push(request);
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

  private start(replica: Replica, request: Request): void {
    replica.busy++;
    const serviceMs = sampleServiceTime(replica.serviceTime, this.serviceRandom) / replica.speed;
    this.events.push(this.now + serviceMs, { replica, request, startedMs: this.now });
  }

  private complete(done: Completion): void {
    const { replica, request } = done;
    replica.busy--;
    replica.busyMs += this.now - done.startedMs;
    if (request.measured) {
      const latencyMs = this.now - request.arrivalMs;
      this.completed++;
      this.latencySumMs += latencyMs;
      this.latencyUs.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
      if (replica.errorProbability > 0 && this.errorRandom.chance(replica.errorProbability)) this.errors++;
    }
    if (replica.queueHead < replica.queue.length) {
      const next = replica.queue[replica.queueHead++];
      // Compact the FIFO now and then instead of shifting on every dequeue.
      if (replica.queueHead > 1024 && replica.queueHead * 2 > replica.queue.length) {
        replica.queue.splice(0, replica.queueHead);
        replica.queueHead = 0;
      }
      this.start(replica, next);
    }
  }
}

/** Outstanding requests on a replica: in service plus waiting. */
function load(replica: Replica): number {
  return replica.busy + replica.queue.length - replica.queueHead;
}

/** One service time in milliseconds, at speed 1. */
export function sampleServiceTime(spec: ServiceTime, random: Random): number {
  switch (spec.kind) {
    case "exponential":
      return random.exponential(spec.meanMs);
    case "lognormal":
      return random.lognormal(spec.meanMs, spec.cv);
    case "pareto":
      return random.boundedPareto(spec.alpha, spec.minMs, spec.maxMs);
  }
}
