/**
 * The AIOps controller, in the optimizer's process: plumbing around the AIOps step
 * (controller/aiops/pipeline.ts) for every AIOpsPolicy. An informer keeps the policies in a cache;
 * each tick, every policy whose interval is due reads its services' signals (SignalSource), takes
 * one step, announces incidents as Events (opened once its suspects settle, updated when a new
 * first suspect settles, resolved when it closes or merges into an older one) and writes its status. An invalid policy is reported in its status and evaluates nothing;
 * a paused one evaluates nothing; missing telemetry is reported, and the step holds for the
 * services it touches. Only the leader writes.
 *
 * Remediation (aiops-remediation.ts) runs after detection each step: in observe mode it proposes,
 * in act mode it carries out what the guardrails allow, and going back to observe undoes what is
 * still in effect. What is kept per policy (the baselines, the autoencoders) is rebuilt from the
 * telemetry after a restart or a change of the policy's spec; what a policy changed in the
 * cluster before this process started is given back on its first visit, and when it is deleted.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ResolvedAIOpsSpec } from "../../api/aiops/schema.js";
import {
  AIOPS_API_VERSION,
  AIOPS_GROUP,
  AIOPS_KIND,
  AIOPS_PLURAL,
  AIOPS_VERSION,
} from "../../api/aiops/schema.js";
import { validateAIOpsPolicy } from "../../api/aiops/validate.js";
import { describeProblems } from "../../api/schema-problems.js";
import type { ChangeLog } from "../aiops/change-log.js";
import type { WebhookSender } from "../aiops/delivery.js";
import type { Incident } from "../aiops/incidents.js";
import { logEvidence } from "../aiops/log-evidence.js";
import type { LogSource } from "../aiops/log-source.js";
import type { TemplateChange } from "../aiops/log-templates.js";
import { AiopsPipeline } from "../aiops/pipeline.js";
import type { RemediationActuator } from "../aiops/remediation-actuator.js";
import { rankChanges } from "../aiops/root-cause.js";
import type { SignalSource } from "../aiops/signal-source.js";
import {
  type IncidentSummary,
  type Summarizer,
  summarize,
  webhookPayload,
  withSummarizer,
} from "../aiops/summary.js";
import { describeError, type KubeClients } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import { emitEvent, type InvolvedObject } from "../kube/events.js";
import { WatchedSet } from "../kube/watched-set.js";
import type { AiopsAuditSink } from "../telemetry/audit.js";
import { type Notify, type PolicyRef, type Proposal, RemediationRunner } from "./aiops-remediation.js";
import type { ClusterChanges } from "./cluster-changes.js";
import type { Logger } from "./recorder.js";

export interface AiopsReconcilerOptions {
  readonly clients: KubeClients;
  readonly source: SignalSource;
  /** Carries out remediation; without one, act mode proposes only, as observe does. */
  readonly actuator?: RemediationActuator;
  /** One JSON line per action taken, judged or undone. */
  readonly audit?: AiopsAuditSink;
  /** Recent changes (the optimizer's routing writes, remediation) ranked as causes in each summary. */
  readonly changes?: ChangeLog;
  /** Scans the cluster for new and changed Deployments into `changes`, once per tick at most. @default none */
  readonly clusterChanges?: ClusterChanges;
  /** Where each incident's log evidence is read (Loki in the cluster). @default none: no template evidence */
  readonly logs?: LogSource;
  /** Where each incident's summary is POSTed, opened and resolved, in Alertmanager's format. @default none */
  readonly webhook?: WebhookSender;
  /** Rewrites each summary before it is announced. @default none: the plain summary */
  readonly summarizer?: Summarizer;
  readonly namespaces: readonly string[];
  readonly fieldManager: string;
  readonly isLeader: () => boolean;
  /** How often policies are looked at; each is evaluated at its own interval. @default 5000 */
  readonly tickMs?: number;
  /** A status with no news is rewritten this often. @default 5 minutes */
  readonly statusRefreshMs?: number;
  readonly now?: () => number;
  readonly log?: Logger;
  readonly instance?: string;
  /** Per API call. @default 5000 */
  readonly timeoutMs?: number;
}

type Policy = KubernetesObject & {
  metadata: { name: string; namespace: string; uid?: string; generation?: number };
  spec?: unknown;
};

interface Memory {
  readonly specJson: string;
  readonly spec: ResolvedAIOpsSpec;
  readonly pipeline: AiopsPipeline;
  lastStepMs?: number;
  /** Incidents announced as opened, and the closed ones still shown. */
  readonly announced: Set<number>;
  readonly closed: Incident[];
  /** Each incident's summary as announced (frozen when its suspects settle, rewritten when it closes). */
  readonly summaries: Map<number, { suspect?: string; text: string }>;
  /** When each condition last changed status, so a rewrite keeps its lastTransitionTime. */
  readonly transitions: Map<string, { status: string; atMs: number }>;
  lastNews?: string;
  lastStatusMs?: number;
  /** Past readings learned from when this memory was made, from the signal source's history. */
  rebuiltFrom?: number;
}

const SILENT: Logger = { info: () => undefined, warn: () => undefined };
const KEPT_CLOSED = 5;
/** Services whose logs are read per announcement: the suspects first. */
const MAX_LOG_SERVICES = 5;

export class AiopsReconciler {
  private readonly policies: WatchedSet<Policy>;
  private readonly memory = new Map<string, Memory>();
  /** Invalid or paused policies, by key: the generation already reported. */
  private readonly reported = new Map<string, string>();
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly remediation?: RemediationRunner;
  /** Policies visited in this process, with their last valid spec: what a deletion gives back. */
  private readonly visited = new Map<string, { ref: PolicyRef; spec: ResolvedAIOpsSpec }>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly o: AiopsReconcilerOptions) {
    this.now = o.now ?? Date.now;
    this.log = o.log ?? SILENT;
    this.timeoutMs = o.timeoutMs ?? 5000;
    if (o.actuator !== undefined) this.remediation = new RemediationRunner(o.actuator, o.audit, o.changes);
    this.policies = new WatchedSet(
      o.clients,
      { group: AIOPS_GROUP, version: AIOPS_VERSION, plural: AIOPS_PLURAL },
      o.namespaces,
      (e) => this.log.warn({ error: describeError(e) }, "AIOpsPolicy watch broke; restarting"),
    );
  }

  async start(): Promise<void> {
    await this.policies.start();
  }

  run(): void {
    const tick = () => {
      this.running = this.reconcile().catch((e) =>
        this.log.warn({ error: describeError(e) }, "AIOps reconcile failed"),
      );
      void this.running.then(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.tickMs ?? 5000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.policies.stop();
  }

  /** The resourceVersion the cache holds for a policy (tests wait on it instead of sleeping). */
  cachedVersion(namespace: string, name: string): string | undefined {
    return this.policies.get(namespace, name)?.metadata?.resourceVersion;
  }

  /** One tick: every policy whose interval is due. */
  async reconcile(): Promise<void> {
    const nowMs = this.now();
    if (this.policies.list().length > 0) await this.o.clusterChanges?.scan(nowMs);
    const seen = new Set<string>();
    for (const policy of this.policies.list()) {
      const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
      seen.add(key);
      await this.visit(key, policy, nowMs);
    }
    for (const key of [...this.memory.keys()]) if (!seen.has(key)) this.memory.delete(key);
    for (const [key, { ref, spec }] of [...this.visited])
      if (!seen.has(key) && (!this.o.isLeader() || (await this.release(ref, spec, nowMs))))
        this.visited.delete(key);
    for (const key of [...this.reported.keys()]) if (!seen.has(key)) this.reported.delete(key);
  }

  private async visit(key: string, policy: Policy, nowMs: number): Promise<void> {
    const leader = this.o.isLeader();
    const validation = validateAIOpsPolicy(policy.spec);
    const generation = String(policy.metadata.generation ?? 0);
    if (!validation.valid) {
      this.memory.delete(key);
      // Once per generation: the status says what to fix; nothing is evaluated.
      if (this.reported.get(key) === `invalid:${generation}` || !leader) return;
      const message = describeProblems(validation.problems);
      await this.writeStatus(policy, {
        observedGeneration: policy.metadata.generation,
        conditions: [
          condition("Invalid", "True", "InvalidSpec", message, nowMs, policy),
          condition(
            "Ready",
            "False",
            "InvalidSpec",
            "the policy is invalid; nothing is evaluated",
            nowMs,
            policy,
          ),
        ],
      });
      await this.event(policy, "InvalidSpec", "Warning", message, nowMs);
      this.reported.set(key, `invalid:${generation}`);
      return;
    }
    const spec = validation.spec;
    if (spec.paused) {
      this.memory.delete(key);
      if (this.reported.get(key) === `paused:${generation}` || !leader) return;
      await this.writeStatus(policy, {
        observedGeneration: policy.metadata.generation,
        conditions: [
          condition(
            "Ready",
            "True",
            "Paused",
            "paused by a human override; nothing is evaluated",
            nowMs,
            policy,
          ),
        ],
      });
      this.reported.set(key, `paused:${generation}`);
      return;
    }
    this.reported.delete(key);
    const ref = { namespace: policy.metadata.namespace, name: policy.metadata.name };
    // As the leader, first give back what this policy changed before this process led; remediation
    // waits until that worked, or the release would undo what this step does.
    const ready = leader && (this.visited.has(key) || (await this.release(ref, spec, nowMs, policy)));
    if (ready) this.visited.set(key, { ref, spec });
    const specJson = JSON.stringify(spec);
    let m = this.memory.get(key);
    if (m === undefined || m.specJson !== specJson) {
      m = this.fresh(spec, specJson);
      this.memory.set(key, m);
      await this.rebuild(m, policy, spec, nowMs);
    }
    const d = spec.detection;
    if (m.lastStepMs !== undefined && nowMs - m.lastStepMs < d.intervalSeconds * 1000) return;
    m.lastStepMs = nowMs;

    const services = Object.keys(spec.services).sort();
    const read = await this.o.source.read(policy.metadata.namespace, services, d.windowSeconds, nowMs);
    const step = m.pipeline.step(read.snapshot);
    const verdicts = new Map(step.verdicts.map((v) => [v.service, v]));
    const clock = (ms: number) => new Date(ms).toISOString();
    const notify: Notify = (reason, type, message) => this.event(policy, reason, type, message, nowMs);
    const remedied =
      ready && this.remediation !== undefined
        ? await this.remediation.step({
            policy: ref,
            spec,
            verdicts,
            openIncidents: m.pipeline.tracker.openIncidents,
            pods: read.pods ?? {},
            telemetryErrors: read.errors.length,
            nowMs,
            notify,
          })
        : undefined;
    const summaryOf = (incident: Incident, templates: Record<string, TemplateChange[]> = {}) =>
      summarize({
        incident,
        verdicts,
        clock,
        templates,
        actions: remedied?.lines.get(incident.id) ?? [],
        changes: this.changesBefore(incident),
      });
    const withLogs = async (incident: Incident) =>
      summaryOf(incident, await this.templates(policy, incident, d.intervalSeconds * 1000, nowMs));
    const announce = async (incident: Incident, reason: "IncidentOpened" | "IncidentUpdated") => {
      const s = await withLogs(incident);
      const text = await this.deliver(policy, s, "firing", nowMs);
      m.summaries.set(incident.id, { suspect: s.suspect, text });
      await this.event(policy, reason, "Warning", text, nowMs);
    };
    if (leader) {
      for (const incident of m.pipeline.tracker.openIncidents)
        if (incident.settledSuspects !== undefined && !m.announced.has(incident.id)) {
          m.announced.add(incident.id);
          await announce(incident, "IncidentOpened");
        }
      // A new first suspect, settled: the same alert again, with the summary that names it.
      for (const incident of step.resettled)
        if (m.announced.has(incident.id)) await announce(incident, "IncidentUpdated");
      // Merged into an older incident is resolved as this one, with the older one going on.
      const ended = [
        ...step.merged.map((x) => ({ incident: x.incident, reason: "IncidentMerged" as const })),
        ...step.closed.map((incident) => ({ incident, reason: "IncidentResolved" as const })),
      ];
      for (const { incident, reason } of ended) {
        m.closed.unshift(incident);
        for (const gone of m.closed.splice(KEPT_CLOSED)) m.summaries.delete(gone.id);
        const announced = m.announced.delete(incident.id);
        const s = announced ? await withLogs(incident) : summaryOf(incident);
        if (announced) {
          const text = await this.deliver(policy, s, "resolved", nowMs);
          m.summaries.set(incident.id, { suspect: s.suspect, text });
          await this.event(policy, reason, "Normal", text, nowMs);
        } else m.summaries.set(incident.id, { suspect: s.suspect, text: s.text });
      }
    }

    const learning = step.verdicts.filter((v) => v.state === "learning").length;
    const unreadable = step.verdicts.filter((v) => v.state === "unreadable").map((v) => v.service);
    const open = m.pipeline.tracker.openIncidents;
    const incidents = [...open, ...m.closed].map((incident) => {
      const s = m.summaries.get(incident.id);
      return {
        id: incident.id,
        openedAt: clock(incident.openedAtMs),
        ...(incident.closedAtMs !== undefined ? { closedAt: clock(incident.closedAtMs) } : {}),
        services: [...incident.services],
        ...(s?.suspect !== undefined ? { suspect: s.suspect } : {}),
        ...(s !== undefined ? { summary: s.text.slice(0, 8192) } : {}),
        ...proposalsOf(remedied?.proposals.get(incident.id)),
      };
    });
    const done = this.remediation?.history(ref) ?? [];
    const degraded = read.errors.length > 0 || unreadable.length > 0;
    if (!degraded) m.transitions.delete("Degraded");
    const status = {
      observedGeneration: policy.metadata.generation,
      conditions: [
        condition(
          "Ready",
          "True",
          learning > 0 ? "Learning" : unreadable.length === services.length ? "NoTelemetry" : "Watching",
          `${services.length} services watched${learning > 0 ? `, ${learning} still learning what healthy looks like` : ""}${m.rebuiltFrom ? ` (learned from ${m.rebuiltFrom} past readings at start)` : ""}; ${modeLine(spec.mode, this.remediation !== undefined)}`,
          nowMs,
          policy,
          m.transitions,
        ),
        ...(degraded
          ? [
              condition(
                "Degraded",
                "True",
                "TelemetryIncomplete",
                `${unreadable.length > 0 ? `no telemetry for ${unreadable.join(", ")}; ` : ""}${read.errors.length} queries failed; those services are neither judged nor learned from`,
                nowMs,
                policy,
                m.transitions,
              ),
            ]
          : []),
      ],
      openIncidents: open.length,
      services: step.verdicts.map((v) => ({
        name: v.service,
        state: v.state,
        severity: Number(v.severity.toFixed(1)),
        ...(v.reconstruction ? { modelVersion: v.reconstruction.version } : {}),
      })),
      incidents,
      ...(done.length > 0
        ? {
            actions: done.slice(0, 20).map((a) => ({
              incident: a.incident,
              action: a.kind,
              service: a.service,
              target: a.target,
              detail: a.detail,
              at: clock(a.atMs),
              ...(a.verdict !== undefined ? { verdict: a.verdict } : {}),
            })),
          }
        : {}),
      ...(read.errors.length > 0
        ? { telemetryErrors: read.errors.slice(0, 5).map((e) => e.slice(0, 1024)) }
        : {}),
    };
    // News is written at once; severities alone move every reading, so they wait for the refresh.
    const news = JSON.stringify({
      ...status,
      services: status.services.map((v) => [v.name, v.state, v.modelVersion]),
      // A refusal's reason counts seconds; what is proposed is the news.
      incidents: status.incidents.map((i) => ({ ...i, proposals: i.proposals?.map((p) => p.detail) })),
    });
    const refreshMs = this.o.statusRefreshMs ?? 5 * 60_000;
    const fresh = m.lastStatusMs !== undefined && nowMs - m.lastStatusMs < refreshMs;
    if (leader && (news !== m.lastNews || !fresh)) {
      if (await this.writeStatus(policy, { ...status, lastEvaluated: clock(nowMs) })) {
        m.lastNews = news;
        m.lastStatusMs = nowMs;
      }
    }
  }

  /**
   * The log templates new or surging in the incident's window (from two intervals before it opened,
   * when its first symptoms were read, to its end or now), for its services; none without a log
   * source. Logs that cannot be read are logged and left out: they never hold an incident back.
   */
  private async templates(policy: Policy, incident: Incident, intervalMs: number, nowMs: number) {
    if (this.o.logs === undefined) return {};
    const suspects = (incident.settledSuspects ?? incident.suspects).map((s) => s.service);
    const services = [...new Set([...suspects, ...incident.services])].slice(0, MAX_LOG_SERVICES);
    const evidence = await logEvidence(this.o.logs, policy.metadata.namespace, services, {
      fromMs: incident.openedAtMs - 2 * intervalMs,
      toMs: incident.closedAtMs ?? nowMs,
    });
    if (evidence.errors.length > 0)
      this.log.warn({ incident: incident.id, errors: evidence.errors }, "could not read the incident's logs");
    return evidence.templates;
  }

  /** The changes of the half hour before the incident began, ranked against its suspects. */
  private changesBefore(incident: Incident) {
    if (this.o.changes === undefined) return [];
    const suspects = incident.settledSuspects ?? incident.suspects;
    return rankChanges(
      this.o.changes.since(incident.openedAtMs - 30 * 60_000),
      suspects,
      incident.openedAtMs,
    );
  }

  /**
   * The summary as announced: the summarizer's text when one is set (the plain one, with the
   * error noted, when it fails), sent to the webhook when one is set. A failed delivery is a
   * Warning Event and a log line; it never holds the incident back.
   */
  private async deliver(
    policy: Policy,
    summary: IncidentSummary,
    status: "firing" | "resolved",
    nowMs: number,
  ): Promise<string> {
    const written = await withSummarizer(summary, this.o.summarizer);
    const text = written.error !== undefined ? `${written.text}\n(${written.error})` : written.text;
    if (written.error !== undefined) this.log.warn({ error: written.error }, "the summarizer failed");
    if (this.o.webhook !== undefined) {
      const endsAt = status === "resolved" ? new Date(nowMs).toISOString() : undefined;
      const failed = await this.o.webhook.send(webhookPayload({ ...summary, text }, status, endsAt));
      if (failed !== undefined) {
        this.log.warn({ incident: summary.id, error: failed }, "incident webhook failed");
        await this.event(policy, "DeliveryFailed", "Warning", `incident ${summary.id}: ${failed}`, nowMs);
      }
    }
    return text;
  }

  /** Gives back what a policy still holds in the cluster; a failure is logged and retried next visit. */
  private async release(
    ref: PolicyRef,
    spec: ResolvedAIOpsSpec,
    nowMs: number,
    policy?: Policy,
  ): Promise<boolean> {
    if (this.remediation === undefined) return true;
    const notify: Notify | undefined =
      policy === undefined
        ? undefined
        : (reason, type, message) => this.event(policy, reason, type, message, nowMs);
    try {
      await this.remediation.release(ref, spec, nowMs, notify);
      return true;
    } catch (e) {
      this.log.warn(
        { policy: `${ref.namespace}/${ref.name}`, error: describeError(e) },
        "could not give back what the AIOps policy changed",
      );
      return false;
    }
  }

  /**
   * A new memory (a start, or a changed spec) learns from the signals' recent past, as the predictive
   * autoscaler does, instead of waiting a warm-up's worth of live readings: the last
   * max(warmupReadings, min(720, retrainEveryReadings)) readings, three hours at the defaults,
   * replayed through the detector without opening incidents. A source without a past, or one that
   * cannot answer, leaves learning to the live readings.
   */
  private async rebuild(m: Memory, policy: Policy, spec: ResolvedAIOpsSpec, nowMs: number): Promise<void> {
    const history = this.o.source.history?.bind(this.o.source);
    if (history === undefined) return;
    const d = spec.detection;
    const stepMs = d.intervalSeconds * 1000;
    const readings = Math.max(d.warmupReadings, Math.min(720, d.retrainEveryReadings));
    const ref = `${policy.metadata.namespace}/${policy.metadata.name}`;
    try {
      const past = await history(
        policy.metadata.namespace,
        Object.keys(spec.services).sort(),
        d.windowSeconds,
        {
          fromMs: nowMs - readings * stepMs,
          toMs: nowMs,
          stepMs,
        },
      );
      m.rebuiltFrom = m.pipeline.warm(past.snapshots);
      if (past.errors.length > 0)
        this.log.warn({ policy: ref, errors: past.errors }, "some signals' history could not be read");
      this.log.info(
        { policy: ref, readings: m.rebuiltFrom },
        "AIOps baselines rebuilt from the signals' history",
      );
    } catch (e) {
      this.log.warn({ policy: ref, error: describeError(e) }, "the signals' history could not be read");
    }
  }

  private fresh(spec: ResolvedAIOpsSpec, specJson: string): Memory {
    const d = spec.detection;
    const graph = Object.fromEntries(Object.entries(spec.services).map(([name, s]) => [name, [...s.calls]]));
    const pipeline = new AiopsPipeline(
      graph,
      {
        zThreshold: d.zThreshold,
        consecutive: d.consecutive,
        warmupPoints: d.warmupReadings,
        retrainEveryPoints: d.retrainEveryReadings,
      },
      { quietMs: d.quietSeconds * 1000, settleMs: 2 * d.intervalSeconds * 1000 },
    );
    return {
      specJson,
      spec,
      pipeline,
      announced: new Set(),
      closed: [],
      summaries: new Map(),
      transitions: new Map(),
    };
  }

  private involved(policy: Policy): InvolvedObject {
    return {
      apiVersion: AIOPS_API_VERSION,
      kind: AIOPS_KIND,
      name: policy.metadata.name,
      namespace: policy.metadata.namespace,
      uid: policy.metadata.uid,
    };
  }

  private event(policy: Policy, reason: string, type: "Normal" | "Warning", message: string, nowMs: number) {
    const o = { ...this.o, timeoutMs: this.timeoutMs, log: this.log };
    return emitEvent(o, this.involved(policy), reason, type, message, nowMs);
  }

  private async writeStatus(policy: Policy, status: object): Promise<boolean> {
    if (!this.o.isLeader()) return false;
    try {
      await deadline(
        this.o.clients.custom.patchNamespacedCustomObjectStatus({
          group: AIOPS_GROUP,
          version: AIOPS_VERSION,
          namespace: policy.metadata.namespace,
          plural: AIOPS_PLURAL,
          name: policy.metadata.name,
          body: [{ op: "add", path: "/status", value: status }],
          fieldManager: this.o.fieldManager,
        }),
        this.timeoutMs,
        "writing the AIOpsPolicy status",
      );
      return true;
    } catch (e) {
      this.log.warn(
        { policy: `${policy.metadata.namespace}/${policy.metadata.name}`, error: describeError(e) },
        "could not write the AIOpsPolicy status",
      );
      return false;
    }
  }
}

function modeLine(mode: "observe" | "act", actuator: boolean): string {
  if (mode === "observe") return "observe mode: nothing is changed";
  return actuator
    ? "act mode: the guardrails decide what is done"
    : "act mode without an actuator: proposals only";
}

function proposalsOf(proposals: readonly Proposal[] | undefined) {
  if (proposals === undefined || proposals.length === 0) return {};
  return {
    proposals: proposals.slice(0, 10).map((p) => ({ action: p.action, detail: p.detail, reason: p.reason })),
  };
}

function condition(
  type: "Ready" | "Invalid" | "Degraded",
  status: "True" | "False",
  reason: string,
  message: string,
  nowMs: number,
  policy: Policy,
  transitions?: Map<string, { status: string; atMs: number }>,
) {
  const before = transitions?.get(type);
  const atMs = before !== undefined && before.status === status ? before.atMs : nowMs;
  transitions?.set(type, { status, atMs });
  return {
    type,
    status,
    reason,
    message,
    observedGeneration: policy.metadata.generation,
    lastTransitionTime: new Date(atMs).toISOString(),
  };
}
