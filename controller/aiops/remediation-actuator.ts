/**
 * Where remediation meets the cluster: a port with a production implementation (the Kubernetes
 * API, controller/actuator/remediation-kube.ts) and an in-memory one (tests and the simulator),
 * behind one factory that throws on an unknown name. The decision is remediation.ts's; this only
 * reads what it needs and carries out, or undoes, what it was told.
 */
import type { PodSignals } from "./pod-outliers.js";
import type { Action, ActionKind, ServiceView } from "./remediation.js";

/** What the actuator is asked to look at for one suspect. */
export interface ViewRequest {
  readonly namespace: string;
  readonly service: string;
  /** The HPA the policy lets a scale-out raise. */
  readonly horizontalPodAutoscaler?: string;
  /** The service's pods as telemetry reports them, with each one's severity against its peers. */
  readonly pods: readonly (PodSignals & { readonly severity?: number })[];
  /** The service's load is anomalous upward (its rps or CPU above the baseline). */
  readonly loadHigh: boolean;
}

export interface RemediationActuator {
  /** The action kinds it can carry out; the others stay proposals for a person. */
  readonly supports: readonly ActionKind[];
  view(request: ViewRequest): Promise<ServiceView>;
  /** Carries out an action for `owner` (the policy, as `AIOpsPolicy/<name>`). */
  apply(namespace: string, owner: string, action: Action): Promise<void>;
  /** Undoes an action `owner` carried out; a no-op when it is no longer in effect. */
  undo(namespace: string, owner: string, action: Action): Promise<void>;
  /**
   * Gives back everything `owner` still holds among `hpas` (the kill switch, a deleted or restarted
   * policy): what it finds on the objects, not what it remembers, and its routing overrides on
   * every TrafficIntent of the namespace. Returns what it gave back: HPA names, and
   * `TrafficIntent/<name>` for each intent it took overrides off.
   */
  release(namespace: string, owner: string, hpas: readonly string[]): Promise<readonly string[]>;
}

/** An actuator asked for something it does not do. */
export class UnsupportedActionError extends Error {
  constructor(kind: ActionKind, actuator: string) {
    super(`the ${actuator} actuator does not carry out ${kind}`);
    this.name = "UnsupportedActionError";
  }
}

/** How release names an intent whose overrides it removed. */
export const RELEASED_INTENT = "TrafficIntent/";

/** The owner recorded on what a policy changes. */
export const ownerOf = (policy: string) => `AIOpsPolicy/${policy}`;
export const isAiopsOwner = (owner: string | undefined) => owner?.startsWith("AIOpsPolicy/") === true;
