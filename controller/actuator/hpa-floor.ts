/**
 * The predictive scaler's actuator: it reads a HorizontalPodAutoscaler and writes two of its fields,
 * `spec.minReplicas` (the floor the forecast asks for) and `spec.behavior.scaleUp.
 * stabilizationWindowSeconds` (so the HPA does not chase a spike the scaler chose not to follow).
 * Server-side apply under the optimizer's field manager, with the read resourceVersion as a
 * precondition, as routing writes are.
 *
 * Git's values are recorded on the HPA itself, in an annotation the first write adds, so any
 * replica of the optimizer, after any restart, restores exactly them: when the intent is deleted,
 * when its autoscaling is removed or goes back to observe. The restoring apply leaves the annotation
 * out, and server-side apply removes a field only its manager applied.
 */
import { type KubernetesObject, type KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { GIT_FLOOR_ANNOTATION } from "../../api/optimizer.js";
import { statusOf } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import { NotLeaderError } from "./istio-actuator.js";

const HPA_API_VERSION = "autoscaling/v2";

/** What Git gave the fields the scaler writes. */
export interface GitFloor {
  readonly minReplicas: number;
  /** Absent in Git: the HPA's default (0 s for scale-up). */
  readonly scaleUpWindowSeconds?: number;
}

/** An HPA as the scaler needs it. */
export interface HpaReading {
  readonly name: string;
  readonly resourceVersion?: string;
  /** The floor in force now. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleUpWindowSeconds?: number;
  /** Git's values: from the annotation when the scaler has written, else the live ones. */
  readonly git: GitFloor;
  /** True once the scaler has written (the annotation is there). */
  readonly written: boolean;
  /** The intent that wrote, by name in the HPA's namespace. */
  readonly owner?: string;
  /**
   * The HPA's CPU target, as a fraction of the pods' requests; undefined without one (the scaler
   * cannot plan for it, but gives back what it wrote all the same).
   */
  readonly targetUtilization?: number;
  readonly currentReplicas: number;
  /** The CPU utilization the HPA read last, as a fraction; undefined before its first reading. */
  readonly utilization?: number;
}

/** An HPA whose record the scaler cannot read; terminal until someone changes it. */
export class HpaShapeError extends Error {
  constructor(name: string, why: string) {
    super(`HorizontalPodAutoscaler ${name} ${why}`);
    this.name = "HpaShapeError";
  }
}

interface CpuMetric {
  type?: string;
  resource?: {
    name?: string;
    target?: { type?: string; averageUtilization?: number };
    current?: { averageUtilization?: number };
  };
}

interface HpaObject extends KubernetesObject {
  spec?: {
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: CpuMetric[];
    behavior?: { scaleUp?: { stabilizationWindowSeconds?: number } };
  };
  status?: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: CpuMetric[] };
}

const isCpu = (m: CpuMetric) => m.type === "Resource" && m.resource?.name === "cpu";

export function readHpa(object: KubernetesObject): HpaReading {
  const hpa = object as HpaObject;
  const name = hpa.metadata?.name ?? "?";
  const target = hpa.spec?.metrics?.find(isCpu)?.resource?.target;
  const percent = target?.type === "Utilization" ? target.averageUtilization : undefined;
  const minReplicas = hpa.spec?.minReplicas ?? 1;
  const scaleUpWindowSeconds = hpa.spec?.behavior?.scaleUp?.stabilizationWindowSeconds;
  const recorded = hpa.metadata?.annotations?.[GIT_FLOOR_ANNOTATION];
  const current = hpa.status?.currentMetrics?.find(isCpu)?.resource?.current?.averageUtilization;
  return {
    name,
    resourceVersion: hpa.metadata?.resourceVersion,
    minReplicas,
    maxReplicas: hpa.spec?.maxReplicas ?? minReplicas,
    scaleUpWindowSeconds,
    ...(recorded !== undefined
      ? parseRecord(name, recorded)
      : { git: { minReplicas, scaleUpWindowSeconds }, written: false }),
    ...(percent ? { targetUtilization: percent / 100 } : {}),
    currentReplicas: hpa.status?.currentReplicas ?? 0,
    utilization: current === undefined ? undefined : current / 100,
  };
}

/** The annotation: Git's values and the intent that wrote. */
interface FloorRecord extends GitFloor {
  readonly intent: string;
}

function parseRecord(name: string, text: string): { git: GitFloor; written: true; owner: string } {
  try {
    const v = JSON.parse(text) as FloorRecord;
    if (Number.isInteger(v.minReplicas) && v.minReplicas >= 1 && typeof v.intent === "string")
      return {
        git: { minReplicas: v.minReplicas, scaleUpWindowSeconds: v.scaleUpWindowSeconds },
        written: true,
        owner: v.intent,
      };
  } catch {
    // reported below
  }
  throw new HpaShapeError(
    name,
    `has a ${GIT_FLOOR_ANNOTATION} annotation the optimizer cannot read ('${text}'); set it to {"intent":"<name>","minReplicas":<Git's>} or remove it with minReplicas back at Git's value`,
  );
}

export interface HpaFloorOptions {
  readonly fieldManager: string;
  readonly isLeader: () => boolean;
  readonly timeoutMs: number;
}

export class HpaFloorWriter {
  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly options: HpaFloorOptions,
  ) {}

  /** The HPA, or undefined when it does not exist. */
  async read(namespace: string, name: string): Promise<HpaReading | undefined> {
    try {
      const object = await deadline(
        this.api.read({
          apiVersion: HPA_API_VERSION,
          kind: "HorizontalPodAutoscaler",
          metadata: { name, namespace },
        }),
        this.options.timeoutMs,
        `reading HorizontalPodAutoscaler ${name}`,
      );
      return readHpa(object);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** Sets the floor and the scale-up window for `intent`; false when both already held. */
  async write(namespace: string, intent: string, hpa: HpaReading, floor: GitFloor): Promise<boolean> {
    if (
      hpa.written &&
      hpa.owner === intent &&
      hpa.minReplicas === floor.minReplicas &&
      hpa.scaleUpWindowSeconds === floor.scaleUpWindowSeconds
    )
      return false;
    await this.apply(namespace, hpa, floor, { intent, ...hpa.git });
    return true;
  }

  /** Puts Git's values back and drops the record; a no-op when the scaler never wrote. */
  async restore(namespace: string, hpa: HpaReading): Promise<boolean> {
    if (!hpa.written) return false;
    await this.apply(namespace, hpa, hpa.git, undefined);
    return true;
  }

  private async apply(namespace: string, hpa: HpaReading, floor: GitFloor, record: FloorRecord | undefined) {
    if (!this.options.isLeader()) throw new NotLeaderError();
    const body = {
      apiVersion: HPA_API_VERSION,
      kind: "HorizontalPodAutoscaler",
      metadata: {
        name: hpa.name,
        namespace,
        resourceVersion: hpa.resourceVersion,
        ...(record ? { annotations: { [GIT_FLOOR_ANNOTATION]: JSON.stringify(record) } } : {}),
      },
      spec: {
        minReplicas: floor.minReplicas,
        ...(floor.scaleUpWindowSeconds === undefined
          ? {}
          : { behavior: { scaleUp: { stabilizationWindowSeconds: floor.scaleUpWindowSeconds } } }),
      },
    };
    await deadline(
      this.api.patch(
        body as KubernetesObject,
        undefined,
        undefined,
        this.options.fieldManager,
        true,
        PatchStrategy.ServerSideApply,
      ),
      this.options.timeoutMs,
      `writing HorizontalPodAutoscaler ${hpa.name}`,
    );
  }
}
