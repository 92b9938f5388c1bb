/**
 * A discrete-event simulation of one mesh destination: subsets of replicas behind Envoy-style
 * load balancing, retries, hedging and outlier detection, fed by open- or closed-loop clients,
 * with faults on a timeline and telemetry every control interval.
 *
 * Memory grows with replicas and requests in flight, not with requests served: latencies go to
 * fixed-size HDR histograms and finished requests are dropped.
 */

import { newLatencyHistogram } from "../../common/latency-histogram.js";
import { Random } from "../../common/random.js";
import type { Observation } from "../metrics/observation.js";
import { type ArrivalProcess, arrivalProcess } from "./arrivals.js";
import { type BalancerContext, observeLatency, pickHost } from "./balancer.js";
import { EventQueue } from "./event-queue.js";
import { FaultTimeline } from "./faults.js";
import type { Routing, ServiceTime, SimulationConfig } from "./model.js";
import { availableHosts, recordOutcome } from "./outlier.js";
import { OrcaWeightedRoundRobin } from "./peers/orca-wrr.js";
import { Prequal } from "./peers/prequal.js";
import type { BalancerServices, StatefulBalancer } from "./peers/stateful-balancer.js";
import {
  type Attempt,
  accrueBusy,
  queued,
  type ReplicaState,
  type RequestState,
  replicaState,
} from "./replica.js";
import { type Scrape, ScrapeRecorder } from "./scrapes.js";
import { collectObservation } from "./telemetry.js";

export type * from "./model.js";

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
  /** Busy slot-time over available slot-time, per replica, over the whole run. */
  readonly utilization: readonly number[];
  /** Coefficient of variation of replica utilization: 0 is perfectly even. */
  readonly utilizationCv: number;
  /** CPU cost (busy slot-seconds times each replica's price) per completed request. */
  readonly costPerRequest: number;
}

/** Lets a policy watch each interval's telemetry and change routing, as the controller would. */
export interface SimulationHooks {
  onInterval?(observation: Observation, routing: Routing): Routing | undefined;
  /** Every try a replica finishes, as its sidecar reports it (the live mesh feeds an exporter). */
  onTry?(subset: string, latencyMs: number, failed: boolean, replica: string): void;
  /** Every request's outcome as its client saw it. */
  onRequest?(latencyMs: number, failed: boolean): void;
}

/** A simulation advanced by its caller: a mesh against the wall clock, or a control loop's runner. */
export interface SteppedSimulation {
  /** Processes every event up to `ms` of simulated time. */
  advanceTo(ms: number): void;
  /** The routing the proxies use now. */
  readonly routing: Routing;
  setRouting(routing: Routing): void;
  /** The proxies switch to `routing` after `delayMs`, as an xDS push reaches Envoy after istiod's debounce. */
  route(routing: Routing, delayMs: number): void;
  /** Busy slot-milliseconds per subset since the start, divided by the subset's slots per replica. */
  busyMs(): Record<string, number>;
  /** Busy slot-milliseconds per replica since the start, divided by its slots. */
  replicaBusyMs(): Record<string, number>;
  /** The counters Prometheus scraped so far, oldest first (with `scrapeIntervalMs`). */
  readonly scrapes: readonly Scrape[];
  /** The exact figures of the last control interval (with `controlIntervalMs`). */
  readonly lastObservation: Observation | undefined;
  /** The measurements so far; call after advancing to the end of the run. */
  result(): SimulationResult;
}

export function steppedSimulation(config: SimulationConfig, hooks: SimulationHooks = {}): SteppedSimulation {
  const sim = new Simulation(config, hooks);
  sim.begin();
  return {
    advanceTo: (ms) => sim.advanceTo(ms),
    get routing() {
      return sim.currentRouting;
    },
    setRouting: (r) => sim.setRouting(r),
    route: (r, delayMs) => sim.route(r, delayMs),
    busyMs: () => sim.busyMs(),
    replicaBusyMs: () => sim.replicaBusyMs(),
    get scrapes() {
      return sim.scrapes;
    },
    get lastObservation() {
      return sim.lastObservation;
    },
    result: () => sim.result(),
  };
}

/** Runs one simulation to completion and returns its measurements. */
export function simulate(config: SimulationConfig, hooks: SimulationHooks = {}): SimulationResult {
  return new Simulation(config, hooks).run();
}

type Event =
  | null
  | { readonly kind: "user"; readonly user: number }
  | { readonly kind: "done"; readonly attempt: Attempt }
  | { readonly kind: "refused"; readonly attempt: Attempt }
  | { readonly kind: "try-timeout"; readonly attempt: Attempt }
  | { readonly kind: "client-timeout"; readonly request: RequestState }
  | { readonly kind: "tick" }
  | { readonly kind: "scrape"; readonly atMs: number }
  | { readonly kind: "call"; readonly fn: () => void }
  | { readonly kind: "route"; readonly routing: Routing };
const ARRIVAL = null;
const TICK: Event = { kind: "tick" };

/** How many times a retry or hedge re-picks to avoid a host the request already tried (Istio sets 5). */
const HOST_SELECTION_RETRIES = 5;

class Simulation {
  private readonly events = new EventQueue<Event>();
  private readonly replicas: ReplicaState[];
  private readonly subsetNames: string[];
  private readonly subsets: ReplicaState[][];
  /** Per subset, the replicas not in the quarantine lane: the hosts its Envoy cluster has. */
  private serving: ReplicaState[][];
  /** The quarantine lane's replicas, which only mirrored probes reach. */
  private lane: ReplicaState[] = [];
  private readonly roundRobin: { next: number }[];
  private cumulativeWeights: number[] = [];
  private routing: Routing;
  private readonly arrivals?: ArrivalProcess;
  private readonly arrivalRandom: Random;
  private readonly serviceRandom: Random;
  private readonly routingRandom: Random;
  private readonly errorRandom: Random;
  private readonly thinkRandom: Random;
  private readonly faults: FaultTimeline;
  private readonly balancerContext: BalancerContext;
  private readonly latencyUs = newLatencyHistogram();
  private readonly warmupMs: number;
  /** Per-replica latency histograms cost time; keep them only when someone reads telemetry. */
  private readonly telemetry: boolean;
  private readonly recorder?: ScrapeRecorder;
  /** Per subset, the balancer of a peer that keeps state between picks (ORCA WRR, Prequal). */
  private stateful: (StatefulBalancer | undefined)[] = [];
  private nextScrapeMs = Number.POSITIVE_INFINITY;
  lastObservation: Observation | undefined;
  private now = 0;
  /** Requests sent since the last control interval, for the exact view's extra load. */
  private intervalRequests = 0;
  private completed = 0;
  private errors = 0;
  private timeouts = 0;
  private measuredRequests = 0;
  private measuredTries = 0;
  private latencySumMs = 0;

  constructor(
    private readonly config: SimulationConfig,
    private readonly hooks: SimulationHooks,
  ) {
    const root = new Random(config.seed);
    this.arrivalRandom = root.fork("arrivals");
    this.serviceRandom = root.fork("service");
    this.routingRandom = root.fork("routing");
    this.errorRandom = root.fork("errors");
    this.thinkRandom = root.fork("think");
    this.faults = new FaultTimeline(config.faults ?? [], config.seed);
    this.warmupMs = config.warmupMs ?? 0;
    const perSubset = new Map<string, number>();
    this.replicas = config.replicas.map((spec, index) => {
      const n = perSubset.get(spec.subset) ?? 0;
      perSubset.set(spec.subset, n + 1);
      return replicaState(spec, index, n, spec.speed ?? 1);
    });
    this.subsetNames = [...perSubset.keys()].sort();
    this.subsets = this.subsetNames.map((name) => this.replicas.filter((r) => r.subset === name));
    this.serving = this.subsets;
    for (const r of this.replicas) r.subsetIndex = this.subsetNames.indexOf(r.subset);
    this.telemetry = config.controlIntervalMs !== undefined;
    if (config.scrapeIntervalMs !== undefined) {
      this.recorder = new ScrapeRecorder(this.replicas.length);
      this.nextScrapeMs =
        config.scrapeOffsetMs ?? root.fork("scrape-phase").uniform() * config.scrapeIntervalMs;
    }
    this.roundRobin = this.subsetNames.map(() => ({ next: 0 }));
    this.routing = config.routing;
    this.applyWeights(config.routing.weights);
    this.applyLane(config.routing);
    this.stateful = this.statefulBalancers(config.routing.algorithm);
    if (config.arrivals) this.arrivals = arrivalProcess(config.arrivals, this.arrivalRandom);
    const sim = this;
    this.balancerContext = {
      get now() {
        return sim.now;
      },
      random: this.routingRandom,
      speedOf: (r) => r.baseSpeed * this.faults.speedFactor(r.index, this.now),
      upOf: (r) => !this.faults.crashed(r.index, this.now),
    };
  }

  run(): SimulationResult {
    this.begin();
    this.advanceTo(this.config.durationMs);
    return this.result();
  }

  get scrapes(): readonly Scrape[] {
    return this.recorder?.scrapes ?? [];
  }

  route(routing: Routing, delayMs: number): void {
    this.events.push(this.now + Math.max(0, delayMs), { kind: "route", routing });
  }

  get currentRouting(): Routing {
    return this.routing;
  }

  setRouting(routing: Routing): void {
    if (routing.algorithm !== this.routing.algorithm)
      this.stateful = this.statefulBalancers(routing.algorithm);
    this.routing = routing;
    this.applyWeights(routing.weights);
    this.applyLane(routing);
  }

  /**
   * Moves the lane's replicas out of their subsets' host sets. A subset is never left empty here
   * (the control step never quarantines a subset's last replica, but a hand-written routing might).
   */
  private applyLane(routing: Routing): void {
    const ids = new Set(routing.lane?.quarantined ?? []);
    if (ids.size === 0) {
      this.serving = this.subsets;
      this.lane = [];
      return;
    }
    this.serving = this.subsets.map((hosts) => {
      const kept = hosts.filter((r) => !ids.has(r.id));
      return kept.length > 0 ? kept : hosts;
    });
    this.lane = this.replicas.filter((r) => ids.has(r.id) && !this.serving[r.subsetIndex].includes(r));
  }

  private statefulBalancers(algorithm: Routing["algorithm"]): (StatefulBalancer | undefined)[] {
    if (algorithm !== "ORCA_WRR" && algorithm !== "PREQUAL") return [];
    const services: BalancerServices = {
      now: () => this.now,
      random: this.routingRandom,
      schedule: (atMs, fn) => this.events.push(atMs, { kind: "call", fn }),
      requestsInFlight: (r) => queued(r),
    };
    return this.subsetNames.map(() =>
      algorithm === "ORCA_WRR" ? new OrcaWeightedRoundRobin(services) : new Prequal(services),
    );
  }

  replicaBusyMs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.replicas) {
      accrueBusy(r, this.now);
      out[r.id] = r.busyIntegral / r.slots;
    }
    return out;
  }

  busyMs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.replicas) {
      accrueBusy(r, this.now);
      out[r.subset] = (out[r.subset] ?? 0) + r.busyIntegral / r.slots;
    }
    return out;
  }

  begin(): void {
    if (this.arrivals) this.events.push(this.arrivals.next(0), ARRIVAL);
    const clients = this.config.clients;
    if (clients) {
      for (let u = 0; u < clients.users; u++)
        this.events.push(this.thinkRandom.uniform() * clients.thinkMs, { kind: "user", user: u });
    }
    if (this.recorder) this.events.push(this.nextScrapeMs, { kind: "scrape", atMs: this.nextScrapeMs });
    if (this.config.controlIntervalMs) this.events.push(this.config.controlIntervalMs, TICK);
  }

  advanceTo(untilMs: number): void {
    while (this.events.size > 0 && this.events.peekTime() <= untilMs) {
      this.now = this.events.peekTime();
      const event = this.events.pop();
      if (event === null) {
        this.arrive(-1);
        this.events.push((this.arrivals as ArrivalProcess).next(this.now), ARRIVAL);
        continue;
      }
      switch (event.kind) {
        case "done":
          this.complete(event.attempt);
          break;
        case "refused":
          this.answer(event.attempt, true);
          break;
        case "try-timeout":
          this.tryTimedOut(event.attempt);
          break;
        case "client-timeout":
          this.clientTimedOut(event.request);
          break;
        case "user":
          this.arrive(event.user);
          break;
        case "tick":
          this.tick();
          break;
        case "scrape":
          if (event.atMs === this.nextScrapeMs) this.scrape();
          break;
        case "route":
          this.setRouting(event.routing);
          break;
        case "call":
          event.fn();
          break;
      }
    }
    this.now = Math.max(this.now, untilMs);
  }

  /** Snapshots the counters and schedules the next scrape. */
  private scrape(): void {
    const recorder = this.recorder as ScrapeRecorder;
    recorder.scrape(this.now, this.replicas);
    this.nextScrapeMs = this.now + (this.config.scrapeIntervalMs as number);
    this.events.push(this.nextScrapeMs, { kind: "scrape", atMs: this.nextScrapeMs });
  }

  result(): SimulationResult {
    const { durationMs } = this.config;
    for (const r of this.replicas) accrueBusy(r, durationMs);
    const utilization = this.replicas.map((r) => r.busyIntegral / (r.slots * durationMs));
    const mean = utilization.reduce((a, b) => a + b, 0) / utilization.length;
    const sd = Math.sqrt(utilization.reduce((a, u) => a + (u - mean) ** 2, 0) / utilization.length);
    const cost = this.replicas.reduce((a, r) => a + (r.busyIntegral / 1000) * r.costPerCpuSecond, 0);
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
      throughputRps: (this.completed * 1000) / (durationMs - this.warmupMs),
      utilization,
      utilizationCv: mean > 0 ? sd / mean : 0,
      costPerRequest: this.completed > 0 ? cost / this.completed : 0,
    };
  }

  private applyWeights(weights: Readonly<Record<string, number>>): void {
    let total = 0;
    this.cumulativeWeights = this.subsetNames.map((name) => (total += Math.max(0, weights[name] ?? 0)));
  }

  private tick(): void {
    const interval = this.config.controlIntervalMs as number;
    // A scrape due now lands before the interval's query reads, whichever event was queued first.
    if (this.nextScrapeMs === this.now) this.scrape();
    const observation = collectObservation(
      this.replicas,
      this.now,
      interval,
      this.intervalRequests,
      this.lane,
    );
    this.intervalRequests = 0;
    this.lastObservation = observation;
    const next = this.hooks.onInterval?.(observation, this.routing);
    if (next) this.setRouting(next);
    this.events.push(this.now + interval, TICK);
  }

  private arrive(user: number): void {
    const measured = this.now >= this.warmupMs;
    const request: RequestState = {
      arrivalMs: this.now,
      retries: this.routing.retries,
      measured,
      user,
      done: false,
      tries: 0,
      attempts: [],
    };
    if (measured) this.measuredRequests++;
    this.recorder?.recordRequest();
    this.intervalRequests++;
    if (this.config.clientTimeoutMs !== undefined) {
      this.events.push(this.now + this.config.clientTimeoutMs, { kind: "client-timeout", request });
    }
    this.send(request);
    const probe = this.routing.lane?.probePercent ?? 0;
    if (probe > 0 && this.lane.length > 0 && this.routingRandom.chance(probe / 100)) this.mirror(measured);
  }

  /**
   * Envoy's request mirroring to the lane: a copy the replica serves and its sidecar reports, whose
   * response nobody waits for. It costs the servers a try like any other.
   */
  private mirror(measured: boolean): void {
    const replica = this.lane[this.lane.length === 1 ? 0 : this.routingRandom.int(this.lane.length)];
    const shadow: RequestState = {
      arrivalMs: this.now,
      retries: undefined,
      measured,
      user: -1,
      done: true,
      tries: 1,
      attempts: [],
    };
    const attempt = this.attempt(shadow, replica);
    if (measured) this.measuredTries++;
    if (this.faults.crashed(replica.index, this.now)) return;
    if (replica.busy < replica.slots) this.start(attempt);
    else replica.queue.push(attempt);
  }

  /** A try of the request on the replica, sent now. */
  private attempt(request: RequestState, replica: ReplicaState): Attempt {
    return {
      request,
      replica,
      sentMs: this.now,
      abandoned: false,
      started: false,
      startedMs: 0,
      rifAtArrival: queued(replica),
    };
  }

  private pickSubset(): number {
    const weights = this.cumulativeWeights;
    if (weights.length === 1) return 0;
    const x = this.routingRandom.uniform() * weights[weights.length - 1];
    let i = 0;
    while (x >= weights[i] && i < weights.length - 1) i++;
    return i;
  }

  /** Starts one try of the request, on a host it has not tried yet when one can be found. */
  private send(request: RequestState): void {
    const s = this.pickSubset();
    const hosts = this.routing.outlierDetection ? availableHosts(this.serving[s], this.now) : this.serving[s];
    let replica = this.pickIn(s, hosts);
    if (request.tries > 0) {
      const tried = (r: ReplicaState) => request.attempts.some((a) => a.replica === r);
      for (let i = 0; i < HOST_SELECTION_RETRIES && tried(replica); i++) replica = this.pickIn(s, hosts);
    }
    const attempt = this.attempt(request, replica);
    request.attempts.push(attempt);
    request.tries++;
    if (request.measured) this.measuredTries++;
    replica.inflight++;
    const retries = request.retries;
    if (retries) this.events.push(this.now + retries.perTryTimeoutMs, { kind: "try-timeout", attempt });
    if (this.faults.crashed(replica.index, this.now)) {
      // Connection refused: the client learns at once, and the replica does no work.
      this.events.push(this.now, { kind: "refused", attempt });
    } else if (replica.busy < replica.slots) {
      this.start(attempt);
    } else {
      replica.queue.push(attempt);
    }
  }

  private pickIn(subset: number, hosts: readonly ReplicaState[]): ReplicaState {
    const own = this.stateful[subset];
    return own
      ? own.pick(hosts)
      : pickHost(
          this.routing.algorithm,
          hosts,
          this.balancerContext,
          this.roundRobin[subset],
          this.routing.leastRequest,
        );
  }

  private start(attempt: Attempt): void {
    const replica = attempt.replica;
    accrueBusy(replica, this.now);
    replica.busy++;
    attempt.started = true;
    attempt.startedMs = this.now;
    const speed = replica.baseSpeed * this.faults.speedFactor(replica.index, this.now);
    this.events.push(this.now + sampleServiceTime(replica.serviceTime, this.serviceRandom) / speed, {
      kind: "done",
      attempt,
    });
  }

  /** The replica finished a try: record it server-side, answer the client, take the next in line. */
  private complete(attempt: Attempt): void {
    const replica = attempt.replica;
    accrueBusy(replica, this.now);
    replica.busy--;
    const p = this.faults.errorProbability(replica.index, this.now, replica.baseErrorProbability);
    const failed = p > 0 && this.errorRandom.chance(p);
    this.hooks.onTry?.(replica.subset, this.now - attempt.sentMs, failed, replica.id);
    this.recorder?.recordTry(replica.index, this.now - attempt.sentMs, failed);
    this.stateful[replica.subsetIndex]?.onServed?.(
      replica,
      this.now - attempt.sentMs,
      failed,
      attempt.rifAtArrival,
    );
    if (this.telemetry) {
      replica.intervalTries++;
      if (failed) replica.intervalErrors++;
      replica.intervalLatencyUs.recordValue(Math.max(1, Math.round((this.now - attempt.sentMs) * 1000)));
    }
    this.answer(attempt, failed);
    while (replica.queueHead < replica.queue.length) {
      const next = replica.queue[replica.queueHead++];
      // Compact the FIFO now and then instead of shifting on every dequeue.
      if (replica.queueHead > 1024 && replica.queueHead * 2 > replica.queue.length) {
        replica.queue.splice(0, replica.queueHead);
        replica.queueHead = 0;
      }
      // A server drops a stream the client reset before it was dispatched; started work runs on.
      if (next.abandoned) continue;
      this.start(next);
      break;
    }
  }

  /** The client receives a try's response (unless it stopped waiting for it). */
  private answer(attempt: Attempt, failed: boolean): void {
    const { request, replica } = attempt;
    if (attempt.abandoned || request.done) return;
    attempt.abandoned = true;
    replica.inflight--;
    observeLatency(replica, this.now - attempt.sentMs, this.now);
    this.stateful[replica.subsetIndex]?.onResponse?.(replica, failed);
    recordOutcome(replica, failed, this.now, this.subsetOf(replica), this.routing.outlierDetection);
    const retries = request.retries;
    if (!failed) this.finish(request, false);
    else if (retries?.retryOnError && request.tries <= retries.attempts) this.send(request);
    else if (!request.attempts.some((a) => !a.abandoned)) this.finish(request, true);
  }

  /**
   * A try ran past its per-try timeout: hedge alongside it, or give up on it and retry. With no
   * try left, a plain retry policy fails the request (Envoy's 504); a hedged one keeps waiting.
   */
  private tryTimedOut(attempt: Attempt): void {
    const { request, replica } = attempt;
    if (request.done || attempt.abandoned) return;
    const retries = request.retries as NonNullable<Routing["retries"]>;
    if (!retries.hedge) {
      // Envoy resets the try and counts the timeout as a gateway failure for outlier detection.
      // A hedge leaves the try running, so nothing has failed yet.
      recordOutcome(replica, true, this.now, this.subsetOf(replica), this.routing.outlierDetection);
      attempt.abandoned = true;
      replica.inflight--;
    }
    if (request.tries <= retries.attempts) this.send(request);
    else if (!request.attempts.some((a) => !a.abandoned)) this.finish(request, true);
  }

  private clientTimedOut(request: RequestState): void {
    if (request.done) return;
    if (request.measured) this.timeouts++;
    this.finish(request, true, this.config.clientTimeoutMs);
  }

  /** The request's outcome is known: reset the other tries, record it once, and wake its user. */
  private finish(request: RequestState, failed: boolean, latencyMs = this.now - request.arrivalMs): void {
    request.done = true;
    this.hooks.onRequest?.(latencyMs, failed);
    for (const a of request.attempts) {
      if (!a.abandoned) {
        a.abandoned = true;
        a.replica.inflight--;
      }
    }
    if (request.measured) {
      this.completed++;
      if (failed) this.errors++;
      this.latencySumMs += latencyMs;
      this.latencyUs.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
    }
    if (request.user >= 0) {
      const thinkMs = (this.config.clients as NonNullable<SimulationConfig["clients"]>).thinkMs;
      this.events.push(this.now + this.thinkRandom.exponential(thinkMs), {
        kind: "user",
        user: request.user,
      });
    }
  }

  private subsetOf(replica: ReplicaState): ReplicaState[] {
    return this.subsets[replica.subsetIndex];
  }
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
