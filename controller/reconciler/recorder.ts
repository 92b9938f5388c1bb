/**
 * Where the reconciler's decisions are recorded, the one place that writes them: the
 * optimizer's metrics, the audit line, the Event and the intent's status. Only the leader writes
 * Events and status, and it checks at the moment of writing, so a lease lost mid-interval stops
 * them at once. The status itself is built by the pure functions in status.ts.
 */
import type { ResolvedIntentSpec, TrafficIntent } from "../../api/intent/schema.js";
import { INTENT_GROUP, INTENT_PLURAL, INTENT_VERSION } from "../../api/intent/schema.js";
import type { ActOutcome } from "../actuator/actuator.js";
import { describeError, type KubeClients } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import { emitEvent } from "../kube/events.js";
import type { Observation } from "../metrics/observation.js";
import type { RoutingKnobs } from "../policy/policy.js";
import type { RewardTerms } from "../policy/reward.js";
import type { RolloutStatus } from "../rollout/settings.js";
import type { AuditSink } from "../telemetry/audit.js";
import type { DecisionKind, OptimizerMetrics } from "../telemetry/metrics.js";
import type { Runtime } from "./memory.js";
import {
  type AutoscalingStatus,
  buildStatus,
  type ConditionInput,
  decisionStatus,
  type IntentStatus,
  statusFingerprint,
  statusNews,
} from "./status.js";
import type { EventSpec } from "./step-io.js";

export type Intent = TrafficIntent & { metadata: { uid?: string }; status?: IntentStatus };

export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface RecorderOptions {
  readonly clients: KubeClients;
  readonly fieldManager: string;
  readonly isLeader: () => boolean;
  readonly intervalMs: number;
  readonly staleLimit: number;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly statusRefreshMs?: number;
  readonly audit?: AuditSink;
  readonly telemetry?: OptimizerMetrics;
  readonly instance?: string;
}

/** A decision as the reconciler records it. */
export interface DecisionRecord {
  readonly kind: DecisionKind;
  readonly explanation: string;
  readonly from: RoutingKnobs;
  readonly to?: RoutingKnobs;
  readonly observation: Observation;
  readonly reward?: RewardTerms;
  readonly guardNotes: readonly string[];
  readonly write?: ActOutcome;
  readonly event?: EventSpec;
  /** Whether an observe, hold or recommend decision goes to the audit trail (it proposed a change). */
  readonly audit?: boolean;
  readonly rollout?: RolloutStatus;
  readonly autoscaling?: AutoscalingStatus;
}

export function keyOf(intent: { metadata: { namespace?: string; name: string } }): string {
  return `${intent.metadata.namespace}/${intent.metadata.name}`;
}

export class Recorder {
  constructor(private readonly options: RecorderOptions) {}

  /** Records a decision: metrics, audit, event, status. */
  async decision(
    intent: Intent,
    spec: ResolvedIntentSpec,
    r: Runtime,
    leader: boolean,
    nowMs: number,
    d: DecisionRecord,
  ): Promise<void> {
    r.decisions++;
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
        host: spec.target.host,
        generation: intent.metadata.generation,
        mode: spec.mode,
        kind: d.kind,
        leader,
        observation: d.observation,
        from: d.from,
        to: d.to,
        explanation: d.explanation,
        reward: d.reward,
        guardrails: [...d.guardNotes],
        write: d.write ? { ok: d.write.ok, ...(d.write.ok ? {} : { error: d.write.error }) } : undefined,
      });
    }
    // Checked again, not taken from the start of the interval: a lease lost mid-interval stops writes at once.
    if (!this.options.isLeader()) return;
    if (d.event) await this.event(intent, d.event.reason, d.event.type, message, nowMs);
    const status = decisionStatus(r.lastStatus ?? intent.status, intent.metadata.generation, at, {
      mode: spec.mode,
      paused: spec.paused,
      degraded: r.stale >= this.options.staleLimit,
      original: r.original?.weights,
      ...d,
    });
    await this.writeStatus(intent, r, status, nowMs);
  }

  /** Settles an intent that cannot be decided on (invalid, or its target missing): status only, no routing write. */
  async settle(
    intent: Intent,
    r: Runtime,
    nowMs: number,
    kind: DecisionKind,
    explanation: string,
    conditions: Partial<Record<"Ready" | "Degraded" | "Invalid", ConditionInput>>,
  ): Promise<void> {
    this.options.telemetry?.decisions.inc({ kind });
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

  async writeStatus(intent: Intent, r: Runtime, status: IntentStatus, nowMs: number): Promise<void> {
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
        this.options.timeoutMs,
        "writing the status",
      );
      r.lastStatus = status;
      r.lastStatusMs = nowMs;
    } catch (e) {
      this.options.log.warn(
        { intent: keyOf(intent), error: describeError(e) },
        "could not write the intent's status",
      );
    }
  }

  async event(
    intent: Intent,
    reason: string,
    type: "Normal" | "Warning",
    message: string,
    nowMs: number,
  ): Promise<void> {
    const involved = {
      apiVersion: `${INTENT_GROUP}/${INTENT_VERSION}`,
      kind: "TrafficIntent",
      name: intent.metadata.name,
      namespace: intent.metadata.namespace as string,
      uid: intent.metadata.uid,
    };
    await emitEvent({ ...this.options }, involved, reason, type, message, nowMs);
  }
}
