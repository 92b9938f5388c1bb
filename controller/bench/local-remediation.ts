/**
 * The remediation actuator for the live benchmark's local shop: a "pod" is one process of a
 * replicated service behind the sidecar double, and a restart does what an eviction does in the
 * cluster: the replica leaves the rotation, is given a moment to drain, is killed, and a fresh
 * process takes its port and rejoins once ready. A fresh process starts with healthy fault knobs,
 * which is what a restart clears in a real pod (a leak, a wedged pool); a fault in the code or
 * config would survive it, and the benchmark sets none of those on a single replica.
 */
import type { ActionKind } from "../../api/aiops/action-kinds.js";
import type { Action, ServiceView } from "../aiops/remediation.js";
import type { RemediationActuator, ViewRequest } from "../aiops/remediation-actuator.js";
import { UnsupportedActionError } from "../aiops/remediation-actuator.js";

export interface LocalReplica {
  readonly pod: string;
  ready: boolean;
}

export interface LocalShopOps {
  /** The replicas of a service, in order; one for a service that is not replicated. */
  replicas(service: string): readonly LocalReplica[];
  /** Restarts one replica; resolves once it serves again. */
  restart(service: string, replica: number): Promise<void>;
}

export class LocalShopRemediation implements RemediationActuator {
  readonly supports: readonly ActionKind[] = ["restart-pod"];
  /** Restarts carried out, with when they were asked for and when the replica served again. */
  readonly restarts: { readonly pod: string; readonly fromMs: number; toMs?: number }[] = [];
  readonly failures: string[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly ops: LocalShopOps,
    private readonly now: () => number,
  ) {}

  async view(request: ViewRequest): Promise<ServiceView> {
    const severity = new Map(request.pods.map((p) => [p.pod, p.severity]));
    return {
      pods: this.ops.replicas(request.service).map((r) => ({
        name: r.pod,
        version: "v1",
        ready: r.ready,
        ...(severity.get(r.pod) !== undefined ? { severity: severity.get(r.pod) } : {}),
      })),
      laneAvailable: false,
      saturated: false,
    };
  }

  async apply(_namespace: string, _owner: string, action: Action): Promise<void> {
    if (action.kind !== "restart-pod") throw new UnsupportedActionError(action.kind, "local shop");
    const index = this.ops.replicas(action.service).findIndex((r) => r.pod === action.target);
    if (index < 0) throw new Error(`no replica ${action.target} of ${action.service}`);
    const record: (typeof this.restarts)[number] = { pod: action.target, fromMs: this.now() };
    this.restarts.push(record);
    // As an eviction, the call returns once the restart is under way; the pod comes back by itself.
    this.pending.push(
      this.ops.restart(action.service, index).then(
        () => {
          record.toMs = this.now();
        },
        (e: Error) => {
          this.failures.push(`${action.target}: ${e.message}`);
        },
      ),
    );
  }

  /** Waits for every restart under way; the benchmark calls it before it stops the shop. */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  async undo(): Promise<void> {
    // A restart cannot be undone; nothing else is carried out here.
  }

  async release(): Promise<readonly string[]> {
    return [];
  }
}
