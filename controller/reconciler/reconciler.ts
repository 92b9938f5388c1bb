/**
 * The optimizer's reconciler: plumbing around the control step, level-based as in
 * controller-runtime. Informers keep the intents and their Istio objects in caches; watch events
 * and a resync every control interval put intent keys on a queue; each interval observes every
 * queued destination with one batch of queries and visits each key (see IntentPass): read the
 * actual state, call the step, write only on change. A visit that failed for a transient reason
 * comes back after a growing number of intervals; an invalid intent is reported in its status
 * and changes nothing. Only the leader writes.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import { INTENT_GROUP, INTENT_PLURAL, INTENT_VERSION } from "../../api/intent/schema.js";
import { Random } from "../../common/random.js";
import { createActuator } from "../actuator/actuator-factory.js";
import { HpaFloorWriter } from "../actuator/hpa-floor.js";
import type { KubeObject } from "../actuator/live-routing.js";
import type { LaneLimits } from "../control/lane-bound.js";
import type { RollbackOptions } from "../control/rollback.js";
import { DEFAULT_SAFETY } from "../control/safety.js";
import { describeError, type KubeClients } from "../kube/clients.js";
import { WatchedSet } from "../kube/watched-set.js";
import type { Observation } from "../metrics/observation.js";
import type { MetricsSource } from "../metrics/source.js";
import { defaultWindowMs } from "../metrics/window.js";
import type { QTable } from "../policy/q-table.js";
import { ROLLOUT_WINDOW_MS } from "../rollout/settings.js";
import type { SavedState, StateStore } from "../state/state-store.js";
import type { AuditSink } from "../telemetry/audit.js";
import type { OptimizerMetrics } from "../telemetry/metrics.js";
import { AutoscalingPass } from "./autoscaling-pass.js";
import { isDeleting } from "./finalizer.js";
import { IntentPass, type Prepared, type Visit } from "./intent-pass.js";
import { type Runtime, runtimeOf, snapshotOf } from "./memory.js";
import { type Intent, keyOf, type Logger, Recorder } from "./recorder.js";
import { WorkQueue } from "./work-queue.js";

export type { Logger };

export interface ReconcilerOptions {
  readonly clients: KubeClients;
  readonly metrics: MetricsSource;
  /** Namespaces whose intents and Istio objects the optimizer manages. */
  readonly namespaces: readonly string[];
  readonly fieldManager: string;
  readonly isLeader: () => boolean;
  /** Which Actuator writes routing: istio, or noop to decide without writing (shadow mode). @default "istio" */
  readonly actuator?: string;
  /** The control interval. */
  readonly intervalMs: number;
  /** The telemetry window each decision looks at. @default two intervals, at least four scrapes */
  readonly windowMs?: number;
  readonly seed: number;
  readonly store?: StateStore;
  /** Save the state every this many decisions, besides before every routing write. @default 10 */
  readonly saveEvery?: number;
  readonly pretrained?: QTable;
  /** Stale intervals before the original routing is restored. @default 3 */
  readonly staleLimit?: number;
  /** @default 3 intervals, 1.5x */
  readonly rollback?: RollbackOptions;
  /** No hedging at or above this mean CPU utilization. @default 0.85 */
  readonly maxHedgeUtilization?: number;
  /** Hedging that adds more than this share of extra load is switched off. @default 0.05 */
  readonly maxHedgeExtraLoad?: number;
  /** Bounds on the quarantine lane. @default DEFAULT_LANE_LIMITS */
  readonly lanes?: Partial<LaneLimits>;
  readonly now?: () => number;
  readonly audit?: AuditSink;
  readonly telemetry?: OptimizerMetrics;
  readonly log?: Logger;
  /** Who reports the events: the pod's name. */
  readonly instance?: string;
  /** The predictive scaler's step. @default one minute */
  readonly autoscalingStepMs?: number;
  /** Per API call. @default 5000 */
  readonly timeoutMs?: number;
  /** Actuator retries on 409. */
  readonly maxAttempts?: number;
  readonly baseBackoffMs?: number;
  /**
   * How often a status whose only change is the commentary of an observe or hold decision is
   * rewritten anyway. @default ten intervals
   */
  readonly statusRefreshMs?: number;
}

const SILENT: Logger = { info: () => undefined, warn: () => undefined };
const ISTIO = { group: "networking.istio.io", version: "v1" };

export class Reconciler {
  private readonly intents: WatchedSet<Intent & KubernetesObject>;
  private readonly virtualServices: WatchedSet<KubeObject & KubernetesObject>;
  private readonly destinationRules: WatchedSet<KubeObject & KubernetesObject>;
  private readonly hpas: WatchedSet<KubernetesObject>;
  private readonly autoscaling: AutoscalingPass;
  private readonly runtimes = new Map<string, Runtime>();
  private readonly queue = new WorkQueue();
  private readonly pass: IntentPass;
  private readonly now: () => number;
  private readonly log: Logger;
  private interval = 0;
  /** Decisions since the state was last saved. */
  private unsaved = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: ReconcilerOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? SILENT;
    const timeoutMs = options.timeoutMs ?? 5000;
    const onError = (what: string) => (e: unknown) =>
      this.log.warn({ error: describeError(e) }, `${what} watch broke; restarting`);
    const c = options.clients;
    const ns = options.namespaces;
    const intentResource = { group: INTENT_GROUP, version: INTENT_VERSION, plural: INTENT_PLURAL };
    this.intents = new WatchedSet(c, intentResource, ns, onError("intent"));
    this.virtualServices = new WatchedSet(
      c,
      { ...ISTIO, plural: "virtualservices" },
      ns,
      onError("VirtualService"),
    );
    this.destinationRules = new WatchedSet(
      c,
      { ...ISTIO, plural: "destinationrules" },
      ns,
      onError("DestinationRule"),
    );
    this.hpas = new WatchedSet(
      c,
      { group: "autoscaling", version: "v2", plural: "horizontalpodautoscalers" },
      ns,
      onError("HorizontalPodAutoscaler"),
    );
    this.intents.onChange((namespace, name) => this.queue.add(`${namespace}/${name}`));
    const jitter = new Random(options.seed).fork("actuator-jitter");
    const actuator = createActuator(options.actuator ?? "istio", {
      istio: {
        api: c.objects,
        options: {
          fieldManager: options.fieldManager,
          isLeader: options.isLeader,
          random: () => jitter.uniform(),
          timeoutMs,
          maxAttempts: options.maxAttempts,
          baseBackoffMs: options.baseBackoffMs,
        },
      },
    });
    const staleLimit = options.staleLimit ?? DEFAULT_SAFETY.staleLimit;
    const recorder = new Recorder({ ...options, staleLimit, timeoutMs, log: this.log });
    this.autoscaling = new AutoscalingPass({
      clients: c,
      hpas: this.hpas,
      writer: new HpaFloorWriter(c.objects, {
        fieldManager: options.fieldManager,
        isLeader: options.isLeader,
        timeoutMs,
      }),
      source: options.metrics,
      recorder,
      isLeader: options.isLeader,
      timeoutMs,
      log: this.log,
      stepMs: options.autoscalingStepMs,
      seed: options.seed,
    });
    this.pass = new IntentPass({
      clients: c,
      actuator,
      recorder,
      runtimes: this.runtimes,
      save: () => this.save(),
      isLeader: options.isLeader,
      safety: {
        staleLimit,
        rollback: options.rollback ?? DEFAULT_SAFETY.rollback,
        maxHedgeUtilization: options.maxHedgeUtilization ?? DEFAULT_SAFETY.maxHedgeUtilization,
        maxHedgeExtraLoad: options.maxHedgeExtraLoad ?? DEFAULT_SAFETY.maxHedgeExtraLoad,
        lanes: { ...DEFAULT_SAFETY.lanes, ...options.lanes },
      },
      seed: options.seed,
      timeoutMs,
      intervalMs: options.intervalMs,
      log: this.log,
      pretrained: options.pretrained,
      telemetry: options.telemetry,
      autoscalingStatus: (key) => this.autoscaling.statusOf(key),
    });
  }

  /** Restores the saved state and fills the caches. */
  async start(): Promise<void> {
    if (this.options.store) {
      try {
        const saved = await this.options.store.load();
        for (const [key, memory] of Object.entries(saved.intents))
          this.runtimes.set(key, runtimeOf(key, memory, this.options.seed));
        this.log.info({ intents: this.runtimes.size }, "restored the optimizer state");
      } catch (e) {
        this.log.warn(
          { error: describeError(e) },
          "the saved state cannot be trusted; starting from the pre-trained table",
        );
      }
    }
    await Promise.all([
      this.intents.start(),
      this.virtualServices.start(),
      this.destinationRules.start(),
      this.hpas.start(),
    ]);
  }

  /** Runs an interval now and then every interval until stop(). */
  run(): void {
    const tick = () => {
      this.running = this.reconcile().catch((e) =>
        this.log.warn({ error: describeError(e) }, "reconcile failed"),
      );
      void this.running.then(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.all([
      this.intents.stop(),
      this.virtualServices.stop(),
      this.destinationRules.stop(),
      this.hpas.stop(),
    ]);
    if (this.options.isLeader()) await this.save();
  }

  /**
   * The resourceVersion the informers hold for an object the reconciler watches, undefined when the
   * cache has none: lets a caller wait until an edit has reached the cache instead of sleeping.
   */
  cachedVersion(
    kind: "TrafficIntent" | "VirtualService" | "DestinationRule" | "HorizontalPodAutoscaler",
    namespace: string,
    name: string,
  ): string | undefined {
    const caches = {
      TrafficIntent: this.intents,
      VirtualService: this.virtualServices,
      DestinationRule: this.destinationRules,
      HorizontalPodAutoscaler: this.hpas,
    };
    return caches[kind].get(namespace, name)?.metadata?.resourceVersion;
  }

  /** The state as it would be saved. */
  snapshot(): SavedState {
    return snapshotOf(this.runtimes);
  }

  /** One control interval: every key due, with one batch of queries for all their destinations. */
  async reconcile(): Promise<void> {
    const started = performance.now();
    const nowMs = this.now();
    const leader = this.options.isLeader();
    this.options.telemetry?.leader.set(leader ? 1 : 0);
    this.interval++;
    // The resync: every intent, and every memory whose intent is gone, is looked at again.
    for (const intent of this.intents.list()) this.queue.add(keyOf(intent));
    for (const key of this.runtimes.keys()) this.queue.add(key);
    // Git's HPA floors go back first, once an interval: a deleted intent's before its finalizer goes.
    const unreleased = leader ? await this.autoscaling.sweep(this.intents.list()) : new Set<string>();
    const prepared: Prepared[] = [];
    for (const key of this.queue.take(this.interval)) {
      const [namespace, name] = key.split("/");
      const intent = this.intents.get(namespace, name);
      if (!intent || isDeleting(intent)) {
        if (unreleased.has(key)) {
          this.requeue(key, "retry");
          continue;
        }
        this.autoscaling.forget(key);
        this.requeue(key, await this.pass.finalize(key, intent, leader));
        continue;
      }
      const target = intent.spec?.target;
      const vs = target?.virtualService
        ? this.virtualServices.get(namespace, target.virtualService)
        : undefined;
      const dr = target?.destinationRule
        ? this.destinationRules.get(namespace, target.destinationRule)
        : undefined;
      const p = await this.pass.prepare(intent, vs, dr, nowMs);
      if (p) prepared.push(p);
      else this.queue.done(key);
    }
    const observations = await this.observe(prepared, nowMs);
    for (const p of prepared) {
      const observation = observations.get(p.spec.target.host) as Observation;
      await this.autoscaling.visit(p, observation, nowMs);
      this.requeue(keyOf(p.intent), await this.pass.decide(p, observation, leader, nowMs));
    }
    this.unsaved += prepared.length;
    if (this.options.isLeader() && this.unsaved >= (this.options.saveEvery ?? 10)) await this.save();
    this.options.telemetry?.loop.observe((performance.now() - started) / 1000);
  }

  private requeue(key: string, visit: Visit): void {
    if (visit === "retry") this.queue.retry(key, this.interval);
    else this.queue.done(key);
  }

  /**
   * Every destination's observation; one the source could not give is stale. Rollouts read the
   * shortest window (each weight is judged as soon as it can be); everything else the loop's.
   */
  private async observe(prepared: readonly Prepared[], nowMs: number): Promise<Map<string, Observation>> {
    const loopWindowMs = this.options.windowMs ?? defaultWindowMs(this.options.intervalMs);
    const windowOf = (p: Prepared) => (p.spec.rollout ? ROLLOUT_WINDOW_MS : loopWindowMs);
    const result = new Map<string, Observation>();
    for (const windowMs of new Set(prepared.map(windowOf))) {
      const destinations = prepared
        .filter((p) => windowOf(p) === windowMs)
        .map(({ intent, spec }) => ({
          host: spec.target.host,
          namespace: intent.metadata.namespace as string,
          app: spec.target.host.split(".")[0],
          lane: this.runtimes.get(keyOf(intent))?.written?.lane?.quarantined,
        }));
      const observed = await this.options.metrics.observe(destinations, windowMs, nowMs);
      if (observed.errors.length > 0)
        this.log.warn({ errors: observed.errors }, "telemetry incomplete this interval");
      const stale: Observation = { atMs: nowMs, windowMs, subsets: {}, replicas: {}, stale: true };
      for (const d of destinations) result.set(d.host, observed.observations.get(d.host) ?? stale);
    }
    return result;
  }

  private async save(): Promise<boolean> {
    if (!this.options.store) return true;
    try {
      await this.options.store.save(this.snapshot());
      this.unsaved = 0;
      return true;
    } catch (e) {
      this.log.warn({ error: describeError(e) }, "could not save the optimizer state; will retry");
      return false;
    }
  }
}
