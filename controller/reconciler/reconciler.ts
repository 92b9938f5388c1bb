/**
 * The optimizer's reconciler. Level-based: every control interval it reads every intent from
 * the informers' caches (the watch keeps them current; a resync each interval re-examines all of
 * them whatever events were missed), observes every destination with one batch of queries, and
 * runs observe → decide → guardrails → act per intent. It writes only what changed, and only
 * while it leads.
 *
 * Safety lives here, around the policies:
 * - paused intents are not touched, so manual weights stand;
 * - observe and recommend never write, and switching an acting intent to either (or deleting
 *   it) restores the routing recorded before Meshpilot's first write (the kill switch);
 * - a change that makes the SLO worse beyond noise is rolled back to the last-known-good routing;
 * - stale telemetry holds the routing, and after `staleLimit` intervals restores the original
 *   (Istio's static routing as Git set it) and marks the intent Degraded.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { GuardrailLimits } from "../../api/guardrail-limits.js";
import {
  INTENT_GROUP,
  INTENT_PLURAL,
  INTENT_VERSION,
  type ResolvedIntentSpec,
  type TrafficIntent,
} from "../../api/intent/schema.js";
import { describeProblems, validateIntent } from "../../api/intent/validate.js";
import { Random } from "../../common/random.js";
import type { ActOutcome, Target } from "../actuator/actuator.js";
import { IstioActuator, NotLeaderError } from "../actuator/istio-actuator.js";
import { currentKnobs, type KubeObject, originalRouting, subsetsOf } from "../actuator/live-routing.js";
import { describeChange, eventMessage } from "../control/explain.js";
import type { Probation, RollbackOptions } from "../control/rollback.js";
import { DEFAULT_SAFETY, type SafetySettings } from "../control/safety.js";
import { controlStep, type StepAction } from "../control/step.js";
import { describeError, type KubeClients } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import { Watched } from "../kube/watched.js";
import type { Observation } from "../metrics/observation.js";
import type { MetricsSource } from "../metrics/source.js";
import { defaultWindowMs } from "../metrics/window.js";
import { ordinal } from "../ordinal.js";
import type { RoutingKnobs } from "../policy/policy.js";
import type { QTable } from "../policy/q-table.js";
import { createPolicy, policyNameOf } from "../policy/registry.js";
import type { IntentMemory, SavedState, StateStore } from "../state/state-store.js";
import { STATE_FORMAT } from "../state/state-store.js";
import type { AuditSink } from "../telemetry/audit.js";
import type { DecisionKind, OptimizerMetrics } from "../telemetry/metrics.js";
import {
  buildStatus,
  type ConditionInput,
  type IntentStatus,
  rewardRecord,
  statusFingerprint,
  statusNews,
} from "./status.js";
import { type EventSpec, eventFor, stepSettings } from "./step-io.js";

export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ReconcilerOptions {
  readonly clients: KubeClients;
  readonly metrics: MetricsSource;
  /** Namespaces whose intents and Istio objects the optimizer manages. */
  readonly namespaces: readonly string[];
  readonly fieldManager: string;
  readonly isLeader: () => boolean;
  /** The control interval. */
  readonly intervalMs: number;
  /** The telemetry window each decision looks at. @default two intervals, at least four scrapes */
  readonly windowMs?: number;
  readonly seed: number;
  readonly store?: StateStore;
  /** Save the state every this many decisions. @default 10 */
  readonly saveEvery?: number;
  readonly pretrained?: QTable;
  /** Stale intervals before the original routing is restored. @default 3 */
  readonly staleLimit?: number;
  readonly rollback?: RollbackOptions;
  /** No hedging at or above this mean CPU utilization. @default 0.85 */
  readonly maxHedgeUtilization?: number;
  readonly now?: () => number;
  readonly audit?: AuditSink;
  readonly telemetry?: OptimizerMetrics;
  readonly log?: Logger;
  /** Who reports the events: the pod's name. */
  readonly instance?: string;
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

/** What the reconciler keeps per intent between intervals (the persisted part is IntentMemory). */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Runtime extends Mutable<IntentMemory> {
  stale: number;
  probation?: Probation;
  lastStatus?: IntentStatus;
  /** When lastStatus was written, for the commentary refresh. */
  lastStatusMs?: number;
  lastRecommendation?: string;
  random: Random;
}

type Intent = TrafficIntent & { metadata: { uid?: string }; status?: IntentStatus };

const SILENT: Logger = { info: () => undefined, warn: () => undefined };

export class Reconciler {
  private readonly intents = new Map<string, Watched<Intent & KubernetesObject>>();
  private readonly virtualServices = new Map<string, Watched<KubeObject & KubernetesObject>>();
  private readonly destinationRules = new Map<string, Watched<KubeObject & KubernetesObject>>();
  private readonly runtimes = new Map<string, Runtime>();
  private readonly actuator: IstioActuator;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly safety: SafetySettings;
  private decisionsSinceSave = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: ReconcilerOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? SILENT;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.safety = {
      staleLimit: options.staleLimit ?? DEFAULT_SAFETY.staleLimit,
      rollback: options.rollback ?? DEFAULT_SAFETY.rollback,
      maxHedgeUtilization: options.maxHedgeUtilization ?? DEFAULT_SAFETY.maxHedgeUtilization,
    };
    const jitter = new Random(options.seed).fork("actuator-jitter");
    this.actuator = new IstioActuator(options.clients.objects, {
      fieldManager: options.fieldManager,
      isLeader: options.isLeader,
      random: () => jitter.uniform(),
      timeoutMs: this.timeoutMs,
      maxAttempts: options.maxAttempts,
      baseBackoffMs: options.baseBackoffMs,
    });
    const onError = (what: string) => (e: unknown) =>
      this.log.warn({ error: describeError(e) }, `${what} watch broke; restarting`);
    for (const ns of options.namespaces) {
      const c = options.clients;
      this.intents.set(
        ns,
        new Watched(
          c,
          { group: INTENT_GROUP, version: INTENT_VERSION, plural: INTENT_PLURAL, namespace: ns },
          onError("intent"),
        ),
      );
      this.virtualServices.set(
        ns,
        new Watched(
          c,
          { group: "networking.istio.io", version: "v1", plural: "virtualservices", namespace: ns },
          onError("VirtualService"),
        ),
      );
      this.destinationRules.set(
        ns,
        new Watched(
          c,
          { group: "networking.istio.io", version: "v1", plural: "destinationrules", namespace: ns },
          onError("DestinationRule"),
        ),
      );
    }
  }

  /** Restores the saved state and fills the caches. */
  async start(): Promise<void> {
    if (this.options.store) {
      try {
        const saved = await this.options.store.load();
        for (const [key, memory] of Object.entries(saved.intents))
          this.runtimes.set(key, this.runtime(key, memory));
        this.log.info({ intents: this.runtimes.size }, "restored the optimizer state");
      } catch (e) {
        this.log.warn(
          { error: describeError(e) },
          "the saved state cannot be trusted; starting from the pre-trained table",
        );
      }
    }
    await Promise.all(
      [...this.intents.values(), ...this.virtualServices.values(), ...this.destinationRules.values()].map(
        (w) => w.start(),
      ),
    );
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
    await Promise.all(
      [...this.intents.values(), ...this.virtualServices.values(), ...this.destinationRules.values()].map(
        (w) => w.stop(),
      ),
    );
    if (this.options.isLeader()) await this.save();
  }

  /**
   * The resourceVersion the informers hold for an object the reconciler watches, undefined when the
   * cache has none: lets a caller wait until an edit has reached the cache instead of sleeping.
   */
  cachedVersion(
    kind: "TrafficIntent" | "VirtualService" | "DestinationRule",
    namespace: string,
    name: string,
  ): string | undefined {
    const caches =
      kind === "TrafficIntent"
        ? this.intents
        : kind === "VirtualService"
          ? this.virtualServices
          : this.destinationRules;
    return caches.get(namespace)?.get(name)?.metadata?.resourceVersion;
  }

  /** The state as it would be saved. */
  snapshot(): SavedState {
    const intents: Record<string, IntentMemory> = {};
    for (const [key, r] of [...this.runtimes].sort(([a], [b]) => ordinal(a, b))) {
      intents[key] = {
        policy: r.policy,
        state: r.state,
        original: r.original,
        written: r.written,
        target: r.target,
        lastChangeMs: r.lastChangeMs,
        decisions: r.decisions,
      };
    }
    return { format: STATE_FORMAT, intents };
  }

  /** One control interval over every intent. */
  async reconcile(): Promise<void> {
    const started = performance.now();
    const nowMs = this.now();
    const leader = this.options.isLeader();
    this.options.telemetry?.leader.set(leader ? 1 : 0);
    const intents = [...this.intents.values()]
      .flatMap((w) => w.list())
      .sort((a, b) => ordinal(keyOf(a), keyOf(b)));
    const present = new Set(intents.map(keyOf));
    for (const [key, r] of this.runtimes) if (!present.has(key)) await this.forget(key, r, leader);

    const valid: { intent: Intent; spec: ResolvedIntentSpec; vs: KubeObject; dr: KubeObject }[] = [];
    for (const intent of intents) {
      const ns = intent.metadata.namespace as string;
      const target = (
        intent.spec as { target?: { virtualService?: string; destinationRule?: string } } | undefined
      )?.target;
      const vs = target?.virtualService
        ? this.virtualServices.get(ns)?.get(target.virtualService)
        : undefined;
      const dr = target?.destinationRule
        ? this.destinationRules.get(ns)?.get(target.destinationRule)
        : undefined;
      const check = validateIntent(intent.spec, dr ? subsetsOf(dr) : undefined);
      if (!check.valid) {
        await this.settle(intent, nowMs, "invalid", `Invalid: ${describeProblems(check.problems)}`, {
          Invalid: { status: true, reason: "InvalidSpec", message: describeProblems(check.problems) },
        });
        continue;
      }
      if (!vs || !dr) {
        const missing = !vs
          ? `VirtualService ${check.spec.target.virtualService}`
          : `DestinationRule ${check.spec.target.destinationRule}`;
        await this.settle(intent, nowMs, "error", `${missing} not found in ${ns}; nothing to optimize`, {
          Degraded: { status: true, reason: "TargetMissing", message: `${missing} not found` },
        });
        continue;
      }
      valid.push({ intent, spec: check.spec, vs, dr });
    }

    const windowMs = this.options.windowMs ?? defaultWindowMs(this.options.intervalMs);
    const destinations = valid.map(({ intent, spec }) => ({
      host: spec.target.host,
      namespace: intent.metadata.namespace as string,
      app: spec.target.host.split(".")[0],
    }));
    const observed =
      destinations.length > 0
        ? await this.options.metrics.observe(destinations, windowMs, nowMs)
        : { observations: new Map<string, Observation>(), errors: [] };
    if (observed.errors.length > 0)
      this.log.warn({ errors: observed.errors }, "telemetry incomplete this interval");

    for (const v of valid) {
      const observation = observed.observations.get(v.spec.target.host) ?? {
        atMs: nowMs,
        windowMs,
        subsets: {},
        replicas: {},
        stale: true,
      };
      await this.decide(v.intent, v.spec, v.vs, v.dr, observation, leader, nowMs);
    }
    if (this.options.isLeader() && this.decisionsSinceSave >= (this.options.saveEvery ?? 10))
      await this.save();
    this.options.telemetry?.loop.observe((performance.now() - started) / 1000);
  }

  private runtime(key: string, memory: IntentMemory): Runtime {
    return { ...memory, stale: 0, random: new Random(this.options.seed).fork(`intent:${key}`) };
  }

  private async decide(
    intent: Intent,
    spec: ResolvedIntentSpec,
    vs: KubeObject,
    dr: KubeObject,
    observation: Observation,
    leader: boolean,
    nowMs: number,
  ): Promise<void> {
    const key = keyOf(intent);
    const ns = intent.metadata.namespace as string;
    const host = spec.target.host;
    let r = this.runtimes.get(key);
    const policyName = policyNameOf(spec);
    const policy = createPolicy(policyName, { pretrained: this.options.pretrained });
    if (!r || r.policy !== policyName) {
      r = this.runtime(key, {
        policy: policyName,
        state: policy.initialState(subsetsOf(dr)),
        original: r?.original,
        written: r?.written,
        target: r?.target,
        decisions: 0,
      });
      this.runtimes.set(key, r);
    }
    let live: RoutingKnobs;
    try {
      live = currentKnobs(vs, dr, host, Boolean(r.written?.retries?.hedge));
    } catch (e) {
      await this.settle(intent, nowMs, "error", (e as Error).message, {
        Degraded: { status: true, reason: "NoRoute", message: (e as Error).message },
      });
      return;
    }
    if (!r.original && !r.written) r.original = originalRouting(vs, dr, host);
    const target: Target = {
      namespace: ns,
      host,
      virtualService: spec.target.virtualService,
      destinationRule: spec.target.destinationRule,
      name: intent.metadata.name,
      port: portOf(vs, host),
    };
    r.target = target;
    const settings = stepSettings(spec, this.safety);
    this.observeWeights(ns, intent.metadata.name, live);
    const step = controlStep(
      policy,
      settings,
      {
        policyState: r.state,
        written: r.written,
        lastChangeMs: r.lastChangeMs,
        probation: r.probation,
        stale: r.stale,
      },
      { observation, live, nowMs, random: r.random, canWrite: leader },
    );
    const out = await this.act(step.action, target, live, r, settings.guardrails);
    const next = out && !out.ok ? step.next.failed : step.next.applied;
    r.state = next.policyState;
    r.written = next.written;
    r.lastChangeMs = next.lastChangeMs;
    r.probation = next.probation;
    r.stale = next.stale;
    if (step.action.kind === "apply" && out?.ok)
      this.observeWeights(ns, intent.metadata.name, step.action.to);
    const changed = step.proposed !== undefined && describeChange(live, step.proposed).length > 0;
    const recommendation =
      step.kind === "recommend" && changed
        ? eventMessage(live, step.proposed as RoutingKnobs, observation, settings.objectives, step.reward)
        : undefined;
    const fresh = recommendation !== undefined && recommendation !== r.lastRecommendation;
    if (step.kind === "recommend" || step.kind === "observe" || step.kind === "hold")
      r.lastRecommendation = recommendation;
    await this.finish(intent, spec, r, leader, nowMs, {
      kind: out && !out.ok ? "error" : step.kind,
      explanation:
        out && !out.ok ? `${step.explanation} The write failed: ${outcomeError(out)}` : step.explanation,
      from: live,
      to:
        step.kind === "recommend" || step.action.kind === "apply"
          ? step.proposed
          : out && !out.ok
            ? live
            : undefined,
      observation,
      reward: step.reward,
      guardNotes: [...step.safety],
      write: out,
      event: fresh
        ? { reason: "Recommendation", type: "Normal", message: `recommend ${recommendation}` }
        : eventFor(step, out, live, observation, settings.objectives),
      audit:
        step.kind === "observe" || step.kind === "recommend" || step.kind === "hold" ? changed : undefined,
    });
  }

  /** Carries out the step's action; undefined when there is none. */
  private async act(
    action: StepAction,
    target: Target,
    live: RoutingKnobs,
    r: Runtime,
    limits: GuardrailLimits,
  ): Promise<ActOutcome | undefined> {
    if (action.kind === "none") return undefined;
    // Checked again, not taken from the start of the interval: a lease lost mid-interval stops writes at once.
    if (!this.options.isLeader())
      return { ok: false, error: new NotLeaderError().message, writes: 0, restored: true };
    if (action.kind === "restore")
      return this.actuator.restore(target, r.original ?? { weights: live.weights });
    // The original routing, and that Meshpilot is about to own the routing, go on record before
    // the write: a crash right after it must leave a restart able to give Git's routing back.
    const before = r.written;
    r.written = action.to;
    const saved = await this.save();
    r.written = before;
    if (!saved)
      return { ok: false, error: "the state could not be saved before the write", writes: 0, restored: true };
    return this.write(target, live, action.to, { ...limits, maxStep: action.maxStep });
  }

  private async write(
    target: Target,
    from: RoutingKnobs,
    to: RoutingKnobs,
    limits: { minWeight: number; maxStep: number; total: number },
  ): Promise<ActOutcome> {
    try {
      const out = await this.actuator.apply(target, from, to, limits);
      this.options.telemetry?.writes.inc({ outcome: out.ok ? "ok" : "failed" });
      return out;
    } catch (e) {
      this.options.telemetry?.writes.inc({ outcome: "refused" });
      return { ok: false, error: (e as Error).message, writes: 0, restored: true };
    }
  }

  private observeWeights(namespace: string, intent: string, routing: RoutingKnobs): void {
    for (const [subset, w] of Object.entries(routing.weights))
      this.options.telemetry?.weight.set({ namespace, intent, subset }, w);
  }

  /** Records a decision: metrics, audit, event, status. */
  private async finish(
    intent: Intent,
    spec: ResolvedIntentSpec,
    r: Runtime,
    leader: boolean,
    nowMs: number,
    d: {
      kind: DecisionKind;
      explanation: string;
      from: RoutingKnobs;
      to?: RoutingKnobs;
      observation: Observation;
      reward?: import("../policy/reward.js").RewardTerms;
      guardNotes: string[];
      write?: ActOutcome;
      event?: EventSpec;
      audit?: boolean;
    },
  ): Promise<void> {
    r.decisions++;
    this.decisionsSinceSave++;
    const t = this.options.telemetry;
    const ns = intent.metadata.namespace as string;
    t?.decisions.inc({ kind: d.kind });
    if (d.reward) {
      for (const term of ["total", "latency", "errors", "cost"] as const)
        t?.reward.set({ namespace: ns, intent: intent.metadata.name, term }, d.reward[term]);
    }
    const at = new Date(nowMs).toISOString();
    const message = d.event?.message ?? d.explanation;
    if (
      d.audit !== false &&
      (d.kind !== "observe" && d.kind !== "hold" && d.kind !== "paused" ? true : d.audit === true)
    ) {
      this.options.audit?.({
        at,
        intent: keyOf(intent),
        generation: intent.metadata.generation,
        mode: spec.mode,
        kind: d.kind,
        leader,
        observation: d.observation,
        from: d.from,
        to: d.to,
        explanation: d.explanation,
        reward: d.reward,
        guardrails: d.guardNotes,
        write: d.write ? { ok: d.write.ok, ...(d.write.ok ? {} : { error: d.write.error }) } : undefined,
      });
    }
    // Checked again, not taken from the start of the interval: a lease lost mid-interval stops writes at once.
    if (!this.options.isLeader()) return;
    if (d.event) await this.event(intent, d.event.reason, d.event.type, message, nowMs);
    const limit = this.safety.staleLimit;
    const degraded = r.stale >= limit;
    const failing = d.kind === "error";
    const conditions: Record<"Ready" | "Degraded" | "Invalid", ConditionInput> = {
      Ready: {
        status: !degraded && !failing,
        reason: degraded
          ? "TelemetryStale"
          : failing
            ? "WriteFailed"
            : spec.paused
              ? "Paused"
              : modeReason(spec.mode),
        message:
          degraded || failing ? d.explanation : `${spec.mode}${spec.paused ? ", paused" : ""}: ${d.kind}`,
      },
      Degraded: {
        status: degraded || failing,
        reason: degraded ? "TelemetryStale" : failing ? "WriteFailed" : "AsExpected",
        message: degraded || failing ? d.explanation : "Telemetry is fresh and writes succeed.",
      },
      Invalid: { status: false, reason: "Valid", message: "The spec is valid." },
    };
    const weights =
      d.kind === "change" || d.kind === "rollback"
        ? (d.to ?? d.from).weights
        : d.kind === "restore"
          ? (r.original?.weights ?? d.from.weights)
          : d.from.weights;
    const status = buildStatus(r.lastStatus ?? intent.status, intent.metadata.generation, at, conditions, {
      weights,
      lastDecision: {
        at,
        kind: d.kind,
        explanation: d.explanation,
        weights: (d.to ?? d.from).weights,
        reward: rewardRecord(d.reward),
      },
    });
    await this.writeStatus(intent, r, status, nowMs);
  }

  /** Settles an intent that cannot be decided on (invalid, or its target missing): status only, no routing write. */
  private async settle(
    intent: Intent,
    nowMs: number,
    kind: DecisionKind,
    explanation: string,
    conditions: Partial<Record<"Ready" | "Degraded" | "Invalid", ConditionInput>>,
  ): Promise<void> {
    this.options.telemetry?.decisions.inc({ kind });
    const key = keyOf(intent);
    const r = this.runtimes.get(key) ?? this.runtime(key, { policy: "none", state: undefined, decisions: 0 });
    this.runtimes.set(key, r);
    // Checked again, not taken from the start of the interval: a lease lost mid-interval stops writes at once.
    if (!this.options.isLeader()) return;
    const at = new Date(nowMs).toISOString();
    const status = buildStatus(
      r.lastStatus ?? intent.status,
      intent.metadata.generation,
      at,
      {
        Ready: {
          status: false,
          reason: kind === "invalid" ? "InvalidSpec" : "TargetMissing",
          message: explanation,
        },
        Degraded: conditions.Degraded ?? { status: false, reason: "AsExpected", message: "" },
        Invalid: conditions.Invalid ?? { status: false, reason: "Valid", message: "The spec is valid." },
      },
      { lastDecision: { at, kind, explanation } },
    );
    const before = statusFingerprint(r.lastStatus ?? intent.status);
    if (before !== statusFingerprint(status))
      await this.event(
        intent,
        kind === "invalid" ? "InvalidSpec" : "TargetMissing",
        "Warning",
        explanation,
        nowMs,
      );
    await this.writeStatus(intent, r, status, nowMs);
  }

  private async writeStatus(intent: Intent, r: Runtime, status: IntentStatus, nowMs: number): Promise<void> {
    const before = r.lastStatus ?? intent.status;
    // News is always written. Without news, a fresh status waits for the refresh, and a stale one is
    // written only if the commentary changed (equal fingerprints imply equal news, so this order
    // serialises each status once on the steady path).
    if (statusNews(before) === statusNews(status)) {
      const refreshMs = this.options.statusRefreshMs ?? this.options.intervalMs * 10;
      const fresh = r.lastStatusMs !== undefined && nowMs - r.lastStatusMs < refreshMs;
      if (fresh || statusFingerprint(before) === statusFingerprint(status)) return;
    }
    try {
      await deadline(
        this.options.clients.custom.patchNamespacedCustomObjectStatus({
          group: INTENT_GROUP,
          version: INTENT_VERSION,
          namespace: intent.metadata.namespace as string,
          plural: INTENT_PLURAL,
          name: intent.metadata.name,
          body: [{ op: "add", path: "/status", value: status }],
          fieldManager: this.options.fieldManager,
        }),
        this.timeoutMs,
        "writing the status",
      );
      r.lastStatus = status;
      r.lastStatusMs = nowMs;
    } catch (e) {
      this.log.warn(
        { intent: keyOf(intent), error: describeError(e) },
        "could not write the intent's status",
      );
    }
  }

  private async event(
    intent: Intent,
    reason: string,
    type: "Normal" | "Warning",
    message: string,
    nowMs: number,
  ): Promise<void> {
    const ns = intent.metadata.namespace as string;
    const time = new Date(nowMs);
    try {
      await deadline(
        this.options.clients.core.createNamespacedEvent({
          namespace: ns,
          body: {
            metadata: {
              name: `${intent.metadata.name}.${nowMs.toString(16)}${Math.floor(Math.random() * 0x10000).toString(16)}`,
              namespace: ns,
            },
            involvedObject: {
              apiVersion: `${INTENT_GROUP}/${INTENT_VERSION}`,
              kind: "TrafficIntent",
              name: intent.metadata.name,
              namespace: ns,
              uid: intent.metadata.uid,
            },
            reason,
            message: message.slice(0, 1024),
            type,
            count: 1,
            firstTimestamp: time,
            lastTimestamp: time,
            source: { component: this.options.fieldManager },
            reportingComponent: `optimizer.meshpilot.io/${this.options.fieldManager}`,
            reportingInstance: this.options.instance ?? this.options.fieldManager,
          },
        }),
        this.timeoutMs,
        "writing an event",
      );
    } catch (e) {
      this.log.warn({ intent: keyOf(intent), error: describeError(e) }, "could not write an event");
    }
  }

  /** An intent was deleted: the kill switch gives the routing back, then the memory goes. */
  private async forget(key: string, r: Runtime, leader: boolean): Promise<void> {
    if (r.written && !leader) return; // the leader restores; keep the record until then
    if (r.written && r.original && r.target) {
      const out = await this.actuator.restore(r.target, r.original);
      if (!out.ok) {
        this.log.warn(
          { intent: key, error: out.error },
          "restoring the original routing of a deleted intent failed; retrying next interval",
        );
        return;
      }
      this.log.info({ intent: key }, "intent deleted: restored the original routing");
    }
    this.runtimes.delete(key);
    this.decisionsSinceSave++;
    const [namespace, name] = key.split("/");
    this.options.telemetry?.forget(namespace, name);
  }

  private async save(): Promise<boolean> {
    if (!this.options.store) return true;
    try {
      await this.options.store.save(this.snapshot());
      this.decisionsSinceSave = 0;
      return true;
    } catch (e) {
      this.log.warn({ error: describeError(e) }, "could not save the optimizer state; will retry");
      return false;
    }
  }
}

function keyOf(intent: { metadata: { namespace?: string; name: string } }): string {
  return `${intent.metadata.namespace}/${intent.metadata.name}`;
}

function modeReason(mode: string): string {
  return { observe: "Observing", recommend: "Recommending", act: "Acting" }[mode] ?? "Ready";
}

function outcomeError(out: ActOutcome | undefined): string {
  if (!out) return "not the leader";
  return out.ok
    ? ""
    : `${out.error}${out.writes > 0 ? (out.restored ? " (earlier writes put back)" : " (earlier writes could not be put back)") : ""}`;
}

/** The service port of the route to the host, which Envoy's virtual host name carries. */
function portOf(vs: KubeObject, host: string): number {
  const short = host.split(".")[0];
  for (const r of (vs.spec?.http as
    | { route?: { destination: { host: string; port?: { number?: number } } }[] }[]
    | undefined) ?? []) {
    for (const d of r.route ?? [])
      if ((d.destination.host === host || d.destination.host === short) && d.destination.port?.number)
        return d.destination.port.number;
  }
  return 80;
}
