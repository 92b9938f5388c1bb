/**
 * The remediation actuator on the Kubernetes API. It restarts a pod through the Eviction API (so a
 * PodDisruptionBudget still has its say, and the pod's ReplicaSet replaces it) and raises an HPA's
 * minReplicas through the predictive scaler's writer (hpa-floor.ts: server-side apply, Git's value
 * recorded on the HPA, so any replica after any restart can give it back). Traffic shifts and
 * quarantines go through the traffic optimizer, which owns the routing: an override on the
 * TrafficIntent that routes the service (traffic-overrides.ts), which the optimizer enforces, and
 * only while that intent is in act mode. Two writers on one VirtualService would undo each other.
 *
 * It reads only the pods telemetry names (get, not list), the HPA the policy names, and the
 * TrafficIntents of the namespace. A version's pods tell when it came: its oldest pod's age.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import { overrideTarget, type RoutingOverride } from "../../api/intent/overrides.js";
import type { Action, ActionKind, PodView, ServiceView } from "../aiops/remediation.js";
import {
  isAiopsOwner,
  RELEASED_INTENT,
  type RemediationActuator,
  UnsupportedActionError,
  type ViewRequest,
} from "../aiops/remediation-actuator.js";
import { type KubeClients, statusOf } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import type { HpaFloorWriter, HpaReading } from "./hpa-floor.js";
import { NotLeaderError } from "./istio-actuator.js";
import type { TrafficOverrides } from "./traffic-overrides.js";

/** Pods read per view at most: a restart needs the outlier and enough peers to judge the share. */
const MAX_PODS = 50;

interface PodObject extends KubernetesObject {
  status?: { conditions?: { type?: string; status?: string }[] };
}

export interface KubeRemediationOptions {
  readonly clients: KubeClients;
  readonly floors: HpaFloorWriter;
  readonly traffic: TrafficOverrides;
  readonly isLeader: () => boolean;
  readonly timeoutMs: number;
}

export class KubeRemediation implements RemediationActuator {
  readonly supports: readonly ActionKind[] = ["restart-pod", "scale-out", "shift-traffic", "quarantine-pod"];

  constructor(private readonly o: KubeRemediationOptions) {}

  private readonly leaderOnly = () => {
    if (!this.o.isLeader()) throw new NotLeaderError();
  };

  async view(request: ViewRequest): Promise<ServiceView> {
    const pods: PodView[] = [];
    const since = new Map<string, number>();
    for (const signal of request.pods.slice(0, MAX_PODS)) {
      const pod = await this.readPod(request.namespace, signal.pod);
      // A pod telemetry names but the API does not (gone since), or of another app, is not ours to touch.
      if (pod === undefined || pod.metadata?.labels?.app !== request.service) continue;
      const version = pod.metadata?.labels?.version ?? "";
      const created = Date.parse(String(pod.metadata?.creationTimestamp ?? ""));
      if (!Number.isNaN(created)) since.set(version, Math.min(since.get(version) ?? created, created));
      pods.push({
        name: signal.pod,
        version: pod.metadata?.labels?.version ?? "",
        ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
        ...(signal.severity !== undefined ? { severity: signal.severity } : {}),
      });
    }
    const hpa = await this.hpa(request.namespace, request.horizontalPodAutoscaler);
    const busy =
      hpa?.utilization !== undefined &&
      hpa.targetUtilization !== undefined &&
      hpa.utilization >= hpa.targetUtilization;
    const routing = await this.o.traffic.find(request.namespace, request.service);
    const trafficUnavailable =
      routing === undefined
        ? `no TrafficIntent in ${request.namespace} routes ${request.service}`
        : routing.acting
          ? undefined
          : `TrafficIntent ${routing.name} is ${routing.paused ? "paused" : `in ${routing.mode} mode`}; the traffic optimizer carries out traffic actions in act mode only`;
    return {
      pods,
      laneAvailable: routing !== undefined,
      ...(trafficUnavailable !== undefined ? { trafficUnavailable } : {}),
      ...(routing?.weights !== undefined && Object.keys(routing.weights).length > 1
        ? { weights: routing.weights, ...versionsOf(pods, since) }
        : {}),
      saturated: request.loadHigh || busy,
      ...(hpa !== undefined
        ? {
            hpa: {
              name: hpa.name,
              minReplicas: hpa.minReplicas,
              maxReplicas: hpa.maxReplicas,
              current: hpa.currentReplicas,
            },
          }
        : {}),
    };
  }

  async apply(namespace: string, owner: string, action: Action): Promise<void> {
    if (!this.o.isLeader()) throw new NotLeaderError();
    if (action.kind === "restart-pod") {
      await deadline(
        this.o.clients.core.createNamespacedPodEviction({
          name: action.target,
          namespace,
          body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: action.target, namespace } },
        }),
        this.o.timeoutMs,
        `evicting pod ${action.target}`,
      );
      return;
    }
    if (action.kind === "scale-out") {
      const hpa = await this.hpa(namespace, action.target);
      if (hpa === undefined)
        throw new Error(`HorizontalPodAutoscaler ${action.target} is gone or owned by an intent`);
      if (action.amount === undefined) throw new Error("a scale-out without its new minReplicas");
      await this.o.floors.write(namespace, owner, hpa, {
        minReplicas: action.amount,
        scaleUpWindowSeconds: hpa.scaleUpWindowSeconds,
      });
      return;
    }
    if (action.kind === "shift-traffic" || action.kind === "quarantine-pod") {
      await this.o.traffic.add(
        namespace,
        action.service,
        action.kind === "shift-traffic"
          ? {
              kind: "cap-subset",
              subset: action.target,
              maxWeight: action.amount ?? 0,
              by: owner,
              reason: action.detail,
            }
          : { kind: "quarantine-pod", pod: action.target, by: owner, reason: action.detail },
      );
      return;
    }
    throw new UnsupportedActionError(action.kind, "Kubernetes");
  }

  async undo(namespace: string, owner: string, action: Action): Promise<void> {
    if (action.kind === "scale-out") await this.releaseFloors(namespace, owner, [action.target]);
    if (action.kind === "shift-traffic" || action.kind === "quarantine-pod") {
      const kind = action.kind === "shift-traffic" ? "cap-subset" : "quarantine-pod";
      await this.o.traffic.remove(
        namespace,
        action.service,
        (o) => o.by === owner && o.kind === kind && overrideTarget(o) === action.target,
        this.leaderOnly,
      );
    }
  }

  async release(namespace: string, owner: string, hpas: readonly string[]): Promise<readonly string[]> {
    const mine = (o: RoutingOverride) => o.by === owner;
    const intents = await this.o.traffic.remove(namespace, undefined, mine, this.leaderOnly);
    return [
      ...(await this.releaseFloors(namespace, owner, hpas)),
      ...intents.map((i) => `${RELEASED_INTENT}${i}`),
    ];
  }

  /** Gives back the floors `owner` holds among `hpas`; returns their names. */
  private async releaseFloors(namespace: string, owner: string, hpas: readonly string[]): Promise<string[]> {
    const given: string[] = [];
    for (const name of hpas) {
      const hpa = await this.o.floors.read(namespace, name);
      if (hpa === undefined || !hpa.written || hpa.owner !== owner) continue;
      if (!this.o.isLeader()) throw new NotLeaderError();
      await this.o.floors.restore(namespace, hpa);
      given.push(name);
    }
    return given;
  }

  /** The HPA the policy names, unless the predictive scaler of an intent holds it. */
  private async hpa(namespace: string, name: string | undefined): Promise<HpaReading | undefined> {
    if (name === undefined) return undefined;
    const hpa = await this.o.floors.read(namespace, name);
    if (hpa === undefined || (hpa.written && !isAiopsOwner(hpa.owner))) return undefined;
    return hpa;
  }

  private async readPod(namespace: string, name: string): Promise<PodObject | undefined> {
    try {
      return (await deadline(
        this.o.clients.objects.read({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace } }),
        this.o.timeoutMs,
        `reading pod ${name}`,
      )) as PodObject;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }
}

/**
 * The newest version (the one whose oldest pod is youngest) and each version's severity (its
 * pods' median), when the pods show more than one version.
 */
function versionsOf(
  pods: readonly PodView[],
  since: ReadonlyMap<string, number>,
): Pick<ServiceView, "newestVersion" | "versionSeverity"> {
  if (since.size < 2) return {};
  const [name, sinceMs] = [...since].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  const versionSeverity: Record<string, number> = {};
  for (const version of since.keys()) {
    const values = pods
      .filter((p) => p.version === version)
      .map((p) => p.severity ?? 0)
      .sort((a, b) => a - b);
    versionSeverity[version] = values[Math.floor((values.length - 1) / 2)] ?? 0;
  }
  return { newestVersion: { name, sinceMs }, versionSeverity };
}
