/**
 * Remediation, carried out: plumbing between the pure decision (controller/aiops/remediation.ts)
 * and the actuator. Per policy it keeps the actions taken, and each step it
 * 1. gives everything back when the policy went to observe (the kill switch),
 * 2. checks actions old enough to judge, and undoes or escalates those that did not help,
 * 3. decides for every settled open incident's top suspect, and carries out what the guardrails allow.
 * Every action, check and undo is an Event on the policy and an audit line. A paused policy is
 * never stepped (the reconciler stops first), so nothing done is touched while a human holds it.
 * Only the leader acts; the history lives in this process, and what a restart forgets the
 * reconciler gives back from the objects themselves (`release`).
 */
import type { ActionKind } from "../../api/aiops/action-kinds.js";
import type { ResolvedAIOpsSpec } from "../../api/aiops/schema.js";
import type { ChangeLog } from "../aiops/change-log.js";
import type { ServiceVerdict } from "../aiops/detector.js";
import type { Incident } from "../aiops/incidents.js";
import { type PodSignals, podSeverities } from "../aiops/pod-outliers.js";
import {
  type Action,
  type DoneAction,
  decideRemediation,
  type RemediationPolicy,
  type ServiceView,
  verifyActions,
} from "../aiops/remediation.js";
import { ownerOf, RELEASED_INTENT, type RemediationActuator } from "../aiops/remediation-actuator.js";
import { SIGNALS } from "../aiops/signals.js";
import { describeError } from "../kube/clients.js";
import type { AiopsAuditRecord, AiopsAuditSink } from "../telemetry/audit.js";

export interface PolicyRef {
  readonly namespace: string;
  readonly name: string;
}

export type Notify = (reason: string, type: "Normal" | "Warning", message: string) => Promise<void>;

export interface RemediationStepInput {
  readonly policy: PolicyRef;
  readonly spec: ResolvedAIOpsSpec;
  readonly verdicts: ReadonlyMap<string, ServiceVerdict>;
  readonly openIncidents: readonly Incident[];
  readonly pods: Readonly<Record<string, readonly PodSignals[]>>;
  /** Queries that failed this step: any holds every action. */
  readonly telemetryErrors: number;
  readonly nowMs: number;
  readonly notify: Notify;
}

export interface Proposal {
  readonly action: ActionKind;
  readonly detail: string;
  readonly reason: string;
}

export interface RemediationOutcome {
  /** Per open incident, what was proposed and not done, with the reason. */
  readonly proposals: ReadonlyMap<number, readonly Proposal[]>;
  /** Per incident, what was done or proposed, one line each, for its summary. */
  readonly lines: ReadonlyMap<number, readonly string[]>;
}

const KEPT = 50;

/** The policy's guardrails as the decision reads them. */
export function remediationPolicy(spec: ResolvedAIOpsSpec): RemediationPolicy {
  const r = spec.remediation;
  return {
    mode: spec.mode,
    paused: spec.paused,
    allowed: r.allowed,
    maxActionsPerHour: r.maxActionsPerHour,
    cooldownMs: r.cooldownSeconds * 1000,
    maxPodShare: r.maxPodShare,
    maxScaleStep: r.maxScaleStep,
    maxScaleFactor: r.maxScaleFactor,
    maxShiftPercent: r.maxShiftPercent,
    verifyAfterMs: r.verifySeconds * 1000,
  };
}

export class RemediationRunner {
  private readonly histories = new Map<string, DoneAction[]>();

  constructor(
    private readonly actuator: RemediationActuator,
    private readonly audit: AiopsAuditSink = () => undefined,
    /** Where what was carried out is kept as a recent change, for later incidents' ranking. */
    private readonly changes?: ChangeLog,
  ) {}

  /** What was done for a policy, newest first. */
  history(policy: PolicyRef): readonly DoneAction[] {
    return [...(this.histories.get(keyOf(policy)) ?? [])].reverse();
  }

  /** One step for one policy, as the leader. */
  async step(input: RemediationStepInput): Promise<RemediationOutcome> {
    const key = keyOf(input.policy);
    const history = this.histories.get(key) ?? [];
    this.histories.set(key, history);
    const policy = remediationPolicy(input.spec);
    if (policy.mode === "observe") await this.killSwitch(input, history);
    await this.verify(input, history, policy);
    const proposals = new Map<number, Proposal[]>();
    for (const incident of input.openIncidents) {
      // Once the incident has settled, the suspect as ranked now: a cause that joins an open
      // incident later (a second fault while the first one's callers are still ill) is ranked in.
      if (incident.settledSuspects === undefined) continue;
      const suspect = (incident.suspects[0] ?? incident.settledSuspects[0])?.service;
      if (suspect === undefined) continue;
      proposals.set(incident.id, await this.decide(input, history, policy, incident.id, suspect));
    }
    history.splice(0, Math.max(0, history.length - KEPT));
    return { proposals, lines: linesOf(history, proposals) };
  }

  /** Gives back what a policy still holds (deleted, restarted or gone back to observe). */
  async release(
    policy: PolicyRef,
    spec: ResolvedAIOpsSpec | undefined,
    nowMs: number,
    notify?: Notify,
  ): Promise<void> {
    this.histories.delete(keyOf(policy));
    const hpas = Object.values(spec?.services ?? {}).flatMap((s) =>
      s.horizontalPodAutoscaler === undefined ? [] : [s.horizontalPodAutoscaler],
    );
    const given = await this.actuator.release(policy.namespace, ownerOf(policy.name), hpas);
    for (const what of given) {
      const intent = what.startsWith(RELEASED_INTENT) ? what.slice(RELEASED_INTENT.length) : undefined;
      const done =
        intent === undefined
          ? `gave ${what} its minReplicas from Git back`
          : `took this policy's routing overrides off TrafficIntent ${intent}`;
      const line = `${done}: nothing of this policy's is verified after a restart, a change to observe or a deletion`;
      this.audit({
        ...base(policy, spec?.mode ?? "deleted", nowMs),
        event: "released",
        action: intent === undefined ? "scale-out" : "shift-traffic",
        service: "",
        target: intent ?? what,
        detail: line,
        reason: "release",
      });
      await notify?.("RemediationUndone", "Normal", line);
    }
  }

  private async killSwitch(input: RemediationStepInput, history: DoneAction[]): Promise<void> {
    for (const action of history) {
      if (action.undo === undefined || (action.verdict !== undefined && action.verdict !== "helped"))
        continue;
      await this.undo(input, action, "kill switch: the policy is in observe mode");
    }
  }

  private async verify(input: RemediationStepInput, history: DoneAction[], policy: RemediationPolicy) {
    const severityOf = (service: string) => {
      const v = input.verdicts.get(service);
      return v === undefined || v.state === "unreadable" || v.state === "learning"
        ? undefined
        : v.symptomSeverity;
    };
    for (const { action, verdict } of verifyActions(history, severityOf, input.nowMs, policy)) {
      const now = severityOf(action.service) ?? 0;
      const figures = `symptom severity ${action.severityBefore.toFixed(1)} before, ${now.toFixed(1)} ${Math.round((input.nowMs - action.atMs) / 1000)} s after`;
      if (verdict === "undone") {
        await this.undo(input, action, `did not help: ${figures}`);
        continue;
      }
      action.verdict = verdict;
      const reason =
        verdict === "helped"
          ? `helped: ${figures}`
          : `did not help and cannot be undone: ${figures}; a person is needed`;
      this.record(input, action, verdict, reason);
      await input.notify(
        verdict === "helped" ? "RemediationHelped" : "RemediationEscalated",
        verdict === "helped" ? "Normal" : "Warning",
        `${action.detail}: ${reason}`,
      );
    }
  }

  private async undo(input: RemediationStepInput, action: DoneAction, why: string): Promise<void> {
    try {
      await this.actuator.undo(input.policy.namespace, ownerOf(input.policy.name), action);
      action.verdict = "undone";
      this.record(input, action, "undone", `${action.undo}: ${why}`);
      await input.notify("RemediationUndone", "Normal", `${action.undo} (${why})`);
    } catch (e) {
      // Not undone: the next step tries again (the verdict stays open), and a person hears of it now.
      const error = describeError(e);
      this.record(input, action, "failed", `could not undo (${why})`, error);
      await input.notify("RemediationFailed", "Warning", `could not ${action.undo}: ${error}`);
    }
  }

  private async decide(
    input: RemediationStepInput,
    history: DoneAction[],
    policy: RemediationPolicy,
    incident: number,
    suspect: string,
  ): Promise<Proposal[]> {
    const verdict = input.verdicts.get(suspect);
    const severity = verdict?.symptomSeverity ?? 0;
    const telemetryComplete =
      input.telemetryErrors === 0 && verdict !== undefined && verdict.state !== "unreadable";
    const signals = input.pods[suspect] ?? [];
    const severities = podSeverities(signals);
    let view: Awaited<ReturnType<RemediationActuator["view"]>>;
    try {
      view = await this.actuator.view({
        namespace: input.policy.namespace,
        service: suspect,
        horizontalPodAutoscaler: input.spec.services[suspect]?.horizontalPodAutoscaler,
        pods: signals.map((p) => ({ ...p, severity: severities.get(p.pod) })),
        loadHigh: (verdict?.evidence ?? []).some(
          (e) =>
            SIGNALS[e.signal].kind === "load" &&
            e.value > e.expected &&
            e.score >= input.spec.detection.zThreshold,
        ),
      });
    } catch (e) {
      return [
        {
          action: "restart-pod",
          detail: `nothing decided for ${suspect}`,
          reason: `the cluster could not be read: ${describeError(e)}`,
        },
      ];
    }
    const decision = decideRemediation(
      {
        incident,
        suspect,
        severity,
        view: { ...view, ...this.lastChange(suspect, input.nowMs) },
        telemetryComplete,
        history,
        nowMs: input.nowMs,
        carriedOut: this.actuator.supports,
      },
      policy,
    );
    for (const action of decision.act) await this.carryOut(input, history, action, incident, severity);
    return decision.proposed.map((p) => ({
      action: p.action.kind,
      detail: p.action.detail,
      reason: p.reason,
    }));
  }

  /** The suspect's latest change of the last hour that Argo CD's history ties to a Git revision. */
  private lastChange(suspect: string, nowMs: number): Pick<ServiceView, "lastChange"> {
    const change = (this.changes?.since(nowMs - 60 * 60_000) ?? [])
      .filter((c) => c.service === suspect && c.revision !== undefined)
      .sort((a, b) => b.atMs - a.atMs)[0];
    if (change?.revision === undefined) return {};
    return {
      lastChange: {
        revision: change.revision,
        atMs: change.atMs,
        path: change.path ?? "the Argo CD Application's source",
      },
    };
  }

  private async carryOut(
    input: RemediationStepInput,
    history: DoneAction[],
    action: Action,
    incident: number,
    severity: number,
  ): Promise<void> {
    const done: DoneAction = { ...action, atMs: input.nowMs, severityBefore: severity, incident };
    history.push(done);
    try {
      await this.actuator.apply(input.policy.namespace, ownerOf(input.policy.name), action);
      const reason = `incident ${incident}: ${action.service} at symptom severity ${severity.toFixed(1)}; checked in ${input.spec.remediation.verifySeconds} s`;
      this.record(input, done, "applied", reason);
      this.changes?.record({
        atMs: input.nowMs,
        service: action.service,
        kind: "remediation",
        description: action.detail,
        ...(action.undo !== undefined ? { undo: action.undo } : {}),
      });
      await input.notify("RemediationApplied", "Warning", `${action.detail} (${reason})`);
    } catch (e) {
      done.verdict = "failed";
      const error = describeError(e);
      this.record(input, done, "failed", `incident ${incident}`, error);
      await input.notify("RemediationFailed", "Warning", `could not ${action.detail}: ${error}`);
    }
  }

  private record(
    input: RemediationStepInput,
    action: DoneAction,
    event: AiopsAuditRecord["event"],
    reason: string,
    error?: string,
  ): void {
    this.audit({
      ...base(input.policy, input.spec.mode, input.nowMs),
      incident: action.incident,
      event,
      action: action.kind,
      service: action.service,
      target: action.target,
      detail: action.detail,
      reason,
      ...(error !== undefined ? { error } : {}),
    });
  }
}

const keyOf = (p: PolicyRef) => `${p.namespace}/${p.name}`;

function base(policy: PolicyRef, mode: string, nowMs: number) {
  return { at: new Date(nowMs).toISOString(), policy: keyOf(policy), mode };
}

/** Each incident's lines for its summary: what was done (with its verdict), then what was proposed. */
function linesOf(history: readonly DoneAction[], proposals: ReadonlyMap<number, readonly Proposal[]>) {
  const lines = new Map<number, string[]>();
  const add = (id: number, line: string) => lines.set(id, [...(lines.get(id) ?? []), line]);
  for (const a of history)
    add(a.incident, `done: ${a.detail}${a.verdict !== undefined ? ` (${a.verdict})` : ""}`);
  for (const [id, list] of proposals)
    for (const p of list) add(id, `proposed: ${p.detail} (not done: ${p.reason})`);
  return lines;
}
