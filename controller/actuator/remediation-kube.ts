/**
 * The remediation actuator on the Kubernetes API. It restarts a pod through the Eviction API (so a
 * PodDisruptionBudget still has its say, and the pod's ReplicaSet replaces it) and raises an HPA's
 * minReplicas through the predictive scaler's writer (hpa-floor.ts: server-side apply, Git's value
 * recorded on the HPA, so any replica after any restart can give it back). Traffic shifts and
 * quarantines stay proposals here: the traffic optimizer owns the routing, and two writers on one
 * VirtualService would undo each other.
 *
 * It reads only the pods telemetry names (get, not list) and only the HPA the policy names.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Action, ActionKind, PodView, ServiceView } from "../aiops/remediation.js";
import {
  isAiopsOwner,
  type RemediationActuator,
  UnsupportedActionError,
  type ViewRequest,
} from "../aiops/remediation-actuator.js";
import { type KubeClients, statusOf } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import type { HpaFloorWriter, HpaReading } from "./hpa-floor.js";
import { NotLeaderError } from "./istio-actuator.js";

/** Pods read per view at most: a restart needs the outlier and enough peers to judge the share. */
const MAX_PODS = 50;

interface PodObject extends KubernetesObject {
  status?: { conditions?: { type?: string; status?: string }[] };
}

export interface KubeRemediationOptions {
  readonly clients: KubeClients;
  readonly floors: HpaFloorWriter;
  readonly isLeader: () => boolean;
  readonly timeoutMs: number;
}

export class KubeRemediation implements RemediationActuator {
  readonly supports: readonly ActionKind[] = ["restart-pod", "scale-out"];

  constructor(private readonly o: KubeRemediationOptions) {}

  async view(request: ViewRequest): Promise<ServiceView> {
    const pods: PodView[] = [];
    for (const signal of request.pods.slice(0, MAX_PODS)) {
      const pod = await this.readPod(request.namespace, signal.pod);
      // A pod telemetry names but the API does not (gone since), or of another app, is not ours to touch.
      if (pod === undefined || pod.metadata?.labels?.app !== request.service) continue;
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
    return {
      pods,
      laneAvailable: false,
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
    throw new UnsupportedActionError(action.kind, "Kubernetes");
  }

  async undo(namespace: string, owner: string, action: Action): Promise<void> {
    if (action.kind === "scale-out") await this.release(namespace, owner, [action.target]);
  }

  async release(namespace: string, owner: string, hpas: readonly string[]): Promise<readonly string[]> {
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
