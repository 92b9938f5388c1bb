/**
 * The remediation actuator's in-memory implementation: services as plain views the caller sets,
 * changed the way the cluster would change them (a restarted pod comes back healthy under a new
 * name, a raised floor raises the replicas, weight moves to the other versions). Tests and the
 * simulator read back what was done from `log`.
 */

import { ACTION_KINDS, type Action, type ServiceView } from "./remediation.js";
import {
  type RemediationActuator,
  UnsupportedActionError,
  type ViewRequest,
} from "./remediation-actuator.js";

export class InMemoryRemediation implements RemediationActuator {
  readonly supports = ACTION_KINDS.filter((k) => k !== "propose-revert");
  readonly log: {
    readonly op: "apply" | "undo" | "release";
    readonly owner: string;
    readonly action?: Action;
  }[] = [];
  private readonly services = new Map<string, ServiceView>();
  /** Git's floor per HPA this actuator raised, and for whom. */
  private readonly floors = new Map<string, { owner: string; minReplicas: number }>();
  private restarts = 0;

  constructor(views: Readonly<Record<string, ServiceView>> = {}) {
    for (const [name, view] of Object.entries(views)) this.services.set(name, view);
  }

  set(service: string, view: ServiceView): void {
    this.services.set(service, view);
  }

  get(service: string): ServiceView | undefined {
    return this.services.get(service);
  }

  async view(request: ViewRequest): Promise<ServiceView> {
    const view = this.services.get(request.service);
    if (view === undefined) throw new Error(`no service ${request.service}`);
    return view;
  }

  async apply(_namespace: string, owner: string, action: Action): Promise<void> {
    const view = this.services.get(action.service);
    if (view === undefined) throw new Error(`no service ${action.service}`);
    this.log.push({ op: "apply", owner, action });
    switch (action.kind) {
      case "restart-pod":
      case "quarantine-pod": {
        const pods = view.pods.map((p) =>
          p.name === action.target
            ? action.kind === "restart-pod"
              ? { ...p, name: `${action.service}-restarted-${++this.restarts}`, severity: 0 }
              : { ...p, ready: false }
            : p,
        );
        this.services.set(action.service, { ...view, pods });
        return;
      }
      case "scale-out": {
        if (view.hpa === undefined || action.amount === undefined) throw new Error("no HPA to scale");
        if (!this.floors.has(view.hpa.name))
          this.floors.set(view.hpa.name, { owner, minReplicas: view.hpa.minReplicas });
        const current = Math.max(view.hpa.current, action.amount);
        this.services.set(action.service, {
          ...view,
          hpa: { ...view.hpa, minReplicas: action.amount, current },
        });
        return;
      }
      case "shift-traffic": {
        if (view.weights === undefined || action.amount === undefined)
          throw new Error("no versions to shift");
        this.services.set(action.service, {
          ...view,
          weights: shifted(view.weights, action.target, action.amount),
        });
        return;
      }
      default:
        throw new UnsupportedActionError(action.kind, "in-memory");
    }
  }

  async undo(_namespace: string, owner: string, action: Action): Promise<void> {
    const view = this.services.get(action.service);
    if (view === undefined) return;
    this.log.push({ op: "undo", owner, action });
    if (action.kind === "scale-out" && view.hpa !== undefined) {
      const floor = this.floors.get(view.hpa.name);
      if (floor?.owner !== owner) return;
      this.floors.delete(view.hpa.name);
      this.services.set(action.service, { ...view, hpa: { ...view.hpa, minReplicas: floor.minReplicas } });
    } else if (action.kind === "quarantine-pod") {
      const pods = view.pods.map((p) => (p.name === action.target ? { ...p, ready: true } : p));
      this.services.set(action.service, { ...view, pods });
    }
  }

  async release(_namespace: string, owner: string, hpas: readonly string[]): Promise<readonly string[]> {
    const given: string[] = [];
    for (const [service, view] of this.services) {
      const hpa = view.hpa;
      const floor = hpa === undefined ? undefined : this.floors.get(hpa.name);
      if (hpa === undefined || floor?.owner !== owner || !hpas.includes(hpa.name)) continue;
      this.floors.delete(hpa.name);
      this.services.set(service, { ...view, hpa: { ...hpa, minReplicas: floor.minReplicas } });
      given.push(hpa.name);
    }
    if (given.length > 0) this.log.push({ op: "release", owner });
    return given;
  }
}

/** Weights with `version` at `to` percent and what it gave up spread over the others by their share. */
function shifted(
  weights: Readonly<Record<string, number>>,
  version: string,
  to: number,
): Record<string, number> {
  const freed = (weights[version] ?? 0) - to;
  const others = Object.keys(weights).filter((v) => v !== version);
  const total = others.reduce((s, v) => s + (weights[v] ?? 0), 0);
  const out: Record<string, number> = { [version]: to };
  let given = 0;
  others.forEach((v, i) => {
    const share =
      i === others.length - 1
        ? freed - given
        : Math.round(freed * (total > 0 ? weights[v] / total : 1 / others.length));
    given += share;
    out[v] = (weights[v] ?? 0) + share;
  });
  return out;
}
