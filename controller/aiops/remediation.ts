/**
 * Remediation, decided: for an incident's top suspect, the action most likely to help, and the
 * guardrails every action passes before anything is done. Pure: the cluster's state, the history
 * of actions and the clock come in; the actions to carry out, those refused (each with its reason),
 * and the checks of earlier actions come out. The controller's actuator carries them out.
 *
 * The actions, least disruptive first:
 * - move traffic off a new version subset (and propose reverting its deploy);
 * - quarantine one pod that stands out from its peers (the optimizer's lane);
 * - restart one such pod, where no lane is available;
 * - scale out through the HPA's minReplicas, when the suspect is saturated;
 * - propose a git revert of the recent change it points to: the exact revision and command,
 *   never pushed.
 *
 * Each action has a blast-radius limit, a rate limit, and a check after `verifyAfterMs` that it
 * helped; one that did not is undone when it can be, escalated otherwise.
 */

import { ACTION_KINDS, type ActionKind } from "../../api/aiops/action-kinds.js";

export { ACTION_KINDS, type ActionKind };

export interface RemediationPolicy {
  /** observe: propose only; act: carry out. The kill switch is observe. */
  readonly mode: "observe" | "act";
  /** A human override: nothing is done, and nothing already done is touched, while paused. */
  readonly paused: boolean;
  readonly allowed: readonly ActionKind[];
  /** Actions carried out in any rolling hour, all services together. */
  readonly maxActionsPerHour: number;
  /** Time after an action on a service before another may touch it. */
  readonly cooldownMs: number;
  /** At most this share of a service's ready pods restarted or quarantined at once (and never its last one). */
  readonly maxPodShare: number;
  /** Replicas added to minReplicas by one scale-out, and the ceiling as a multiple of the current replicas. */
  readonly maxScaleStep: number;
  readonly maxScaleFactor: number;
  /** Weight moved off a version by one action, percentage points. */
  readonly maxShiftPercent: number;
  readonly verifyAfterMs: number;
}

export const DEFAULT_REMEDIATION: RemediationPolicy = {
  mode: "observe",
  paused: false,
  allowed: ACTION_KINDS,
  maxActionsPerHour: 4,
  cooldownMs: 10 * 60_000,
  maxPodShare: 0.25,
  maxScaleStep: 2,
  maxScaleFactor: 2,
  maxShiftPercent: 50,
  verifyAfterMs: 3 * 60_000,
};

export interface PodView {
  readonly name: string;
  readonly version: string;
  readonly ready: boolean;
  /** The pod's own symptom severity (1 at the threshold), when per-pod telemetry has it. */
  readonly severity?: number;
}

export interface ServiceView {
  readonly pods: readonly PodView[];
  /** Weight per version subset, percent; absent when the service has one version. */
  readonly weights?: Readonly<Record<string, number>>;
  /** The version subset that came last, and when. */
  readonly newestVersion?: { readonly name: string; readonly sinceMs: number };
  /** Per version's symptom severity, when telemetry splits it. */
  readonly versionSeverity?: Readonly<Record<string, number>>;
  readonly hpa?: {
    readonly name: string;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly current: number;
  };
  /** Whether the service's destination can host a quarantine lane. */
  readonly laneAvailable: boolean;
  /**
   * Why traffic actions (shift, quarantine) cannot be carried out now, though they can be
   * proposed: the traffic optimizer that would carry them out does not act. @default they can
   */
  readonly trafficUnavailable?: string;
  /** The service is saturated: CPU near its limit, or its load well above the baseline. */
  readonly saturated: boolean;
  /** The Git revision of the service's last change, when known. */
  readonly lastChange?: { readonly revision: string; readonly atMs: number; readonly path: string };
}

export interface Action {
  readonly kind: ActionKind;
  readonly service: string;
  /** Pod, version or HPA name; the revision for a proposal. */
  readonly target: string;
  readonly detail: string;
  /** The size as bounded by the policy: the new minReplicas, or a version's new weight. */
  readonly amount?: number;
  /** What undoes it; undefined when nothing can (a restart). */
  readonly undo?: string;
}

export interface DoneAction extends Action {
  readonly atMs: number;
  /** The suspect's symptom severity when the action was taken. */
  readonly severityBefore: number;
  readonly incident: number;
  /** failed: the actuator could not carry it out (it still counts against the rate limit). */
  verdict?: "helped" | "undone" | "escalated" | "failed";
}

export interface RemediationInput {
  readonly incident: number;
  readonly suspect: string;
  /** The suspect's symptom severity now. */
  readonly severity: number;
  readonly view: ServiceView | undefined;
  /** False when any signal of the suspect could not be read: all actions hold. */
  readonly telemetryComplete: boolean;
  readonly history: readonly DoneAction[];
  readonly nowMs: number;
  /** The kinds the actuator carries out; any other stays a proposal for a person. @default every kind */
  readonly carriedOut?: readonly ActionKind[];
}

export interface RemediationDecision {
  /** Carry these out (act mode only; empty otherwise). */
  readonly act: readonly Action[];
  /** Proposed but not carried out: observe mode, a proposal kind, or refused by a guardrail. */
  readonly proposed: readonly { readonly action: Action; readonly reason: string }[];
}

/** The candidates for a suspect, best first, before any guardrail. */
export function candidates(suspect: string, view: ServiceView): Action[] {
  const out: Action[] = [];
  const newest = view.newestVersion;
  const weights = view.weights ?? {};
  if (newest !== undefined && (weights[newest.name] ?? 0) > 0) {
    const sev = view.versionSeverity ?? {};
    const others = Object.keys(weights).filter((v) => v !== newest.name);
    const worse = others.every((v) => (sev[newest.name] ?? 0) > (sev[v] ?? 0));
    if (others.length > 0 && worse)
      out.push({
        kind: "shift-traffic",
        service: suspect,
        target: newest.name,
        detail: `move traffic off ${suspect} ${newest.name} (${weights[newest.name]}% now)`,
        undo: `lift the cap on ${newest.name} (the traffic optimizer moves weight back within its guardrails)`,
      });
  }
  const ready = view.pods.filter((p) => p.ready);
  const worst = [...ready].sort((a, b) => (b.severity ?? 0) - (a.severity ?? 0))[0];
  const rest = ready.filter((p) => p !== worst);
  const restSeverity = Math.max(0, ...rest.map((p) => p.severity ?? 0));
  // One pod stands out when it is anomalous and its peers are not.
  if (worst !== undefined && (worst.severity ?? 0) >= 1 && rest.length > 0 && restSeverity < 1) {
    if (view.laneAvailable)
      out.push({
        kind: "quarantine-pod",
        service: suspect,
        target: worst.name,
        detail: `quarantine ${worst.name} (severity ${(worst.severity ?? 0).toFixed(1)}; its peers at most ${restSeverity.toFixed(1)})`,
        undo: `return ${worst.name} to serving`,
      });
    out.push({
      kind: "restart-pod",
      service: suspect,
      target: worst.name,
      detail: `restart ${worst.name} (severity ${(worst.severity ?? 0).toFixed(1)})`,
    });
  }
  if (view.saturated && view.hpa !== undefined)
    out.push({
      kind: "scale-out",
      service: suspect,
      target: view.hpa.name,
      detail: `raise ${view.hpa.name} minReplicas from ${view.hpa.minReplicas}`,
      undo: `minReplicas back to ${view.hpa.minReplicas}`,
    });
  if (view.lastChange !== undefined)
    out.push({
      kind: "propose-revert",
      service: suspect,
      target: view.lastChange.revision,
      detail: `git revert ${view.lastChange.revision} (${view.lastChange.path}), then let Argo CD sync; Meshpilot never pushes`,
    });
  return out;
}

/** The guardrail that refuses this action now, or undefined when it may go ahead. */
export function refusal(
  action: Action,
  input: RemediationInput,
  policy: RemediationPolicy,
): string | undefined {
  if (!policy.allowed.includes(action.kind)) return `${action.kind} is not allowed by the policy`;
  // An undone action gave its change back; a failed one still counts, or a failing actuator is hammered.
  const done = input.history.filter((h) => h.verdict !== "undone");
  const lastHour = done.filter((h) => input.nowMs - h.atMs < 3_600_000);
  if (lastHour.length >= policy.maxActionsPerHour)
    return `rate limit: ${lastHour.length} actions in the last hour (at most ${policy.maxActionsPerHour})`;
  const tried = input.history.find(
    (h) =>
      h.incident === input.incident &&
      h.kind === action.kind &&
      h.target === action.target &&
      h.verdict === "undone",
  );
  if (tried !== undefined) return `already tried for incident ${input.incident}, and undone: it did not help`;
  // Undone actions count here: an undo touched the service too.
  const recent = input.history.filter(
    (h) => h.service === action.service && input.nowMs - h.atMs < policy.cooldownMs,
  );
  if (recent.length > 0)
    return `cooldown: ${action.service} was acted on ${Math.round((input.nowMs - recent[recent.length - 1].atMs) / 1000)} s ago (at least ${policy.cooldownMs / 1000} s apart)`;
  const view = input.view as ServiceView;
  if (action.kind === "restart-pod" || action.kind === "quarantine-pod") {
    const ready = view.pods.filter((p) => p.ready).length;
    const allowedPods = Math.floor(ready * policy.maxPodShare);
    if (ready < 2 || allowedPods < 1)
      return `blast radius: ${ready} ready pod${ready === 1 ? "" : "s"}; ${Math.round(policy.maxPodShare * 100)}% of them is less than one pod`;
  }
  if (action.kind === "scale-out" && view.hpa !== undefined) {
    const ceiling = Math.min(view.hpa.maxReplicas, Math.ceil(view.hpa.current * policy.maxScaleFactor));
    if (view.hpa.minReplicas >= ceiling)
      return `blast radius: minReplicas ${view.hpa.minReplicas} is at its ceiling ${ceiling}`;
  }
  return undefined;
}

/** The action as it will be carried out, with its size cut to the policy's limits. */
function bounded(action: Action, view: ServiceView, policy: RemediationPolicy): Action {
  if (action.kind === "scale-out" && view.hpa !== undefined) {
    const ceiling = Math.min(view.hpa.maxReplicas, Math.ceil(view.hpa.current * policy.maxScaleFactor));
    const to = Math.min(ceiling, view.hpa.minReplicas + policy.maxScaleStep);
    return {
      ...action,
      amount: to,
      detail: `raise ${view.hpa.name} minReplicas from ${view.hpa.minReplicas} to ${to}`,
    };
  }
  if (action.kind === "shift-traffic") {
    const now = view.weights?.[action.target] ?? 0;
    const to = Math.max(0, now - policy.maxShiftPercent);
    return {
      ...action,
      amount: to,
      detail: `move ${action.service} ${action.target} from ${now}% to ${to}%`,
    };
  }
  return action;
}

/** Decides what to do about an incident's top suspect: at most one action carried out per step. */
export function decideRemediation(input: RemediationInput, policy: RemediationPolicy): RemediationDecision {
  if (input.view === undefined) return { act: [], proposed: [] };
  const proposed: { action: Action; reason: string }[] = [];
  const act: Action[] = [];
  const hold = policy.paused
    ? "paused by a human override"
    : policy.mode === "observe"
      ? "observe mode"
      : !input.telemetryComplete
        ? "telemetry incomplete: every action holds"
        : input.severity < 1
          ? "the suspect is no longer anomalous"
          : undefined;
  for (const candidate of candidates(input.suspect, input.view)) {
    const action = bounded(candidate, input.view, policy);
    if (action.kind === "propose-revert") {
      proposed.push({ action, reason: "a proposal: a person reviews and pushes it" });
      continue;
    }
    if (input.carriedOut !== undefined && !input.carriedOut.includes(action.kind)) {
      proposed.push({
        action,
        reason: `a proposal: this actuator does not carry out ${action.kind}; a person can`,
      });
      continue;
    }
    const traffic = action.kind === "shift-traffic" || action.kind === "quarantine-pod";
    if (traffic && input.view.trafficUnavailable !== undefined) {
      proposed.push({ action, reason: `a proposal: ${input.view.trafficUnavailable}` });
      continue;
    }
    const refused = hold ?? (act.length > 0 ? "one action at a time" : refusal(action, input, policy));
    if (refused !== undefined) proposed.push({ action, reason: refused });
    else act.push(action);
  }
  return { act, proposed };
}

/**
 * Checks actions taken at least `verifyAfterMs` ago and not judged yet: helped when the suspect's
 * symptoms fell below the threshold or to half of what they were; otherwise undone when the action
 * can be undone, escalated when it cannot. While paused, nothing is judged.
 */
export function verifyActions(
  history: readonly DoneAction[],
  severityOf: (service: string) => number | undefined,
  nowMs: number,
  policy: RemediationPolicy,
): { action: DoneAction; verdict: "helped" | "undone" | "escalated" }[] {
  if (policy.paused) return [];
  const out: { action: DoneAction; verdict: "helped" | "undone" | "escalated" }[] = [];
  for (const action of history) {
    if (action.kind === "propose-revert") continue;
    if (action.verdict !== undefined || nowMs - action.atMs < policy.verifyAfterMs) continue;
    const now = severityOf(action.service);
    // No reading, no judgement: the check waits for telemetry.
    if (now === undefined) continue;
    const helped = now < 1 || now <= action.severityBefore / 2;
    out.push({ action, verdict: helped ? "helped" : action.undo !== undefined ? "undone" : "escalated" });
  }
  return out;
}
